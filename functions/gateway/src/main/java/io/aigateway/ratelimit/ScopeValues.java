package io.aigateway.ratelimit;

import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/**
 * Turns a request's value for a rate-limit rule scope into the one form its counter is keyed by, so that spellings of
 * the same value share a counter instead of each getting a fresh limit:
 * <ul>
 *   <li>text (a header value, a metadata string) is trimmed; blank is no value (null);</li>
 *   <li>a number, or text that reads as one, is its plain decimal form without trailing zeros: {@code 1},
 *       {@code "1"}, {@code 1.0}, {@code "1.00"} and {@code 1e0} are all {@code 1};</li>
 *   <li>booleans are {@code true}/{@code false} whether sent as JSON booleans or as text (any case);</li>
 *   <li>an IP address: IPv4 as is (an IPv4-mapped IPv6 address as its IPv4 form); IPv6 by its /64 network, since
 *       one client (a home line, a cloud VM) holds a whole /64 and could otherwise take a fresh address for every
 *       request.</li>
 * </ul>
 */
final class ScopeValues {
    private static final Pattern NUMBER = Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d{1,3})?");
    /** Characters an IPv6 literal may hold; anything else is never handed to InetAddress (no name lookups). */
    private static final Pattern IPV6_CHARS = Pattern.compile("[0-9A-Fa-f:.]{2,45}");

    private ScopeValues() {
    }

    /** A header value or metadata string. */
    static String text(String raw) {
        if (raw == null) {
            return null;
        }
        String v = raw.trim();
        if (v.isEmpty()) {
            return null;
        }
        if (v.equalsIgnoreCase("true") || v.equalsIgnoreCase("false")) {
            return v.toLowerCase(java.util.Locale.ROOT);
        }
        if (v.length() <= 64 && NUMBER.matcher(v).matches()) {
            return number(new BigDecimal(v));
        }
        return v;
    }

    /** A {@code cf-aig-metadata} value: a string, a number or a boolean. */
    static String metadata(Object value) {
        if (value == null) {
            return null;
        }
        if (value instanceof Boolean b) {
            return b.toString();
        }
        if (value instanceof BigDecimal d) {
            return number(d);
        }
        if (value instanceof Number n) {
            return n instanceof Double || n instanceof Float
                    ? (Double.isFinite(n.doubleValue()) ? number(new BigDecimal(n.toString())) : n.toString())
                    : number(new BigDecimal(n.toString()));
        }
        return text(value.toString());
    }

    /** The client address as a counter key: IPv4 as is, IPv6 by its /64 network; null when there is none. */
    static String ip(String raw) {
        if (raw == null || raw.isBlank()) {
            return null;
        }
        String v = raw.trim();
        if (v.startsWith("[") && v.endsWith("]")) {
            v = v.substring(1, v.length() - 1);
        }
        int zone = v.indexOf('%');
        if (zone >= 0) {
            v = v.substring(0, zone);
        }
        if (v.indexOf(':') < 0 || !IPV6_CHARS.matcher(v).matches()) {
            return v;
        }
        byte[] a;
        try {
            a = InetAddress.getByName(v).getAddress(); // a literal with ':' is parsed, never looked up
        } catch (UnknownHostException | SecurityException e) {
            return v;
        }
        if (a.length == 4) {
            return (a[0] & 0xff) + "." + (a[1] & 0xff) + "." + (a[2] & 0xff) + "." + (a[3] & 0xff);
        }
        StringBuilder b = new StringBuilder(24);
        for (int i = 0; i < 8; i += 2) {
            b.append(Integer.toHexString(((a[i] & 0xff) << 8) | (a[i + 1] & 0xff))).append(':');
        }
        return b.append(":/64").toString();
    }

    private static String number(BigDecimal d) {
        if (d.signum() == 0) {
            return "0";
        }
        return d.stripTrailingZeros().toPlainString();
    }
}

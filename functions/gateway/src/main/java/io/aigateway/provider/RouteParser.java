package io.aigateway.provider;

import io.aigateway.core.ErrorCode;
import io.aigateway.core.GatewayException;

import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns a gateway path into the one upstream URL it may reach. Refuses traversal ({@code ..}, {@code .}, encoded
 * or double-encoded), backslashes and control characters, and checks that the URL it built still sits under the
 * provider's base URL on the provider's host.
 */
public final class RouteParser {
    public static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
    private static final String EXAMPLE = "/v1/{account_id}/{gateway_id}/{provider}/{provider path}";

    private final ProviderRegistry registry;
    private final Optional<String> requiredAccount;

    public ProviderRegistry registry() {
        return registry;
    }

    public RouteParser(ProviderRegistry registry, Optional<String> requiredAccount) {
        this.registry = registry;
        this.requiredAccount = requiredAccount;
    }

    /** Account and gateway of a {@code /v1/...} path, validated; used before the provider is known. */
    public record GatewayPath(String account, String gatewayId, String providerSlug, String rest) {
    }

    public GatewayPath splitGatewayPath(String rawPath) {
        // "/v1/acct/gw/provider/rest..." -> ["", "v1", "acct", "gw", "provider/rest..."]
        String[] parts = rawPath.split("/", 5);
        if (parts.length < 4 || !parts[0].isEmpty() || !"v1".equals(parts[1])) {
            throw badPath("The path must look like " + EXAMPLE + ".");
        }
        String account = parts[2];
        String gatewayId = parts[3];
        if (!ID.matcher(account).matches()) {
            throw badPath("Invalid account id '" + printable(account) + "': use letters, digits, '-', '_' or '.'.");
        }
        if (!ID.matcher(gatewayId).matches()) {
            throw badPath("Invalid gateway id '" + printable(gatewayId)
                    + "': use 1-64 letters, digits, '-', '_' or '.'. Paths look like " + EXAMPLE + ".");
        }
        if (requiredAccount.isPresent() && !requiredAccount.get().equals(account)) {
            throw new GatewayException(ErrorCode.BAD_ACCOUNT, "Unknown account id '" + printable(account)
                    + "': this gateway serves one account only (GATEWAY_ACCOUNT_ID).");
        }
        if (parts.length == 4) {
            return new GatewayPath(account, gatewayId, null, "");
        }
        String tail = parts[4];
        int slash = tail.indexOf('/');
        String slug = slash < 0 ? tail : tail.substring(0, slash);
        String rest = slash < 0 ? "" : tail.substring(slash);
        return new GatewayPath(account, gatewayId, slug, rest);
    }

    public ProxyRoute parse(GatewayPath path, String rawQuery) {
        Provider provider = registry.find(path.providerSlug()).orElseThrow(() -> new GatewayException(
                ErrorCode.UNKNOWN_PROVIDER, "Unknown provider '" + printable(path.providerSlug())
                + "'. Known providers: " + registry.knownSlugs() + "."));
        String rest = path.rest();
        checkSegments(rest);

        Map<String, String> params = new LinkedHashMap<>();
        params.put("account", path.account());
        String forwarded = rest;
        String template = provider.baseTemplate();
        Matcher matched = null;
        boolean consume = provider.consumesMatch();
        for (Provider.PathForm form : provider.pathForms()) {
            Matcher m = form.prefix().matcher(rest);
            if (m.lookingAt()) {
                matched = m;
                template = form.baseTemplate();
                consume = true;
                break;
            }
        }
        if (matched == null && provider.hostPattern() != null) {
            Matcher m = provider.hostPattern().matcher(rest);
            if (!m.find()) {
                throw badPath("The " + provider.slug() + " path must look like " + provider.pathHint() + ".");
            }
            matched = m;
        }
        if (matched != null) {
            for (String group : groupNames(matched.pattern())) {
                String value = matched.group(group);
                if (value != null) {
                    params.put(group, hostParam(group, value));
                }
            }
            if (consume) {
                forwarded = rest.substring(matched.end());
            }
        }
        String base = Provider.fill(template, params);
        if (base == null) {
            throw badPath("The " + provider.slug() + " path is missing a part the provider needs.");
        }
        URI baseUri = URI.create(base);
        URI origin = registry.override(provider.slug()).orElse(null);
        if (origin != null) {
            // A fixed base is replaced whole; a templated one keeps its path (the part the request chose).
            baseUri = !template.contains("{")
                    ? origin
                    : URI.create(origin.getScheme() + "://" + origin.getRawAuthority() + nullToEmpty(baseUri.getRawPath()));
        }
        URI upstream = build(baseUri, forwarded, rawQuery);
        return new ProxyRoute(path.account(), path.gatewayId(), provider, forwarded, upstream, params);
    }

    private static URI build(URI base, String rest, String rawQuery) {
        String basePath = nullToEmpty(base.getRawPath());
        String target = base.getScheme() + "://" + base.getRawAuthority() + basePath + rest
                + (rawQuery == null || rawQuery.isEmpty() ? "" : "?" + rawQuery);
        URI uri;
        try {
            uri = new URI(target);
        } catch (Exception e) {
            throw badPath("The path or query contains characters that must be percent-encoded.");
        }
        // Defence in depth: whatever the path said, the request stays on the provider's host, under its base path.
        if (!base.getRawAuthority().equals(uri.getRawAuthority())
                || !nullToEmpty(uri.getRawPath()).startsWith(basePath)
                || !uri.normalize().getRawPath().equals(uri.getRawPath())) {
            throw new GatewayException(ErrorCode.PATH_TRAVERSAL, "The path leaves the provider's base URL.");
        }
        return uri;
    }

    /**
     * Refuses a provider path that could leave the provider's base path on any server that decodes it further:
     * every layer of percent-encoding is peeled (up to {@link #MAX_DECODE_ROUNDS}, so {@code %25252e} is seen as
     * {@code .}), each layer is NFKC-normalised (fullwidth {@code U+FF0E} is a dot, {@code U+FF0F} a slash), split on
     * slashes it decoded to ({@code ..%2F}), and stripped of path parameters ({@code ..;x}). No piece may then be a
     * dot segment; backslashes, control characters and byte sequences that are not UTF-8 (overlong {@code %C0%AE})
     * are refused outright. Encoded slashes between ordinary names stay allowed (Bedrock ARNs use them).
     */
    static void checkSegments(String rest) {
        for (String segment : rest.split("/", -1)) {
            String layer = segment;
            for (int round = 0; ; round++) {
                checkLayer(layer);
                if (!hasEscape(layer)) {
                    break;
                }
                if (round == MAX_DECODE_ROUNDS) {
                    throw traversal("The path is percent-encoded too many times over.");
                }
                layer = decodeStrict(layer);
            }
        }
    }

    private static final int MAX_DECODE_ROUNDS = 8;

    private static void checkLayer(String layer) {
        String normalised = layer;
        for (int i = 0; i < layer.length(); i++) {
            if (layer.charAt(i) >= 0x80) {
                normalised = Normalizer.normalize(layer, Normalizer.Form.NFKC);
                break;
            }
        }
        if (normalised.indexOf('\\') >= 0 || hasControl(normalised)) {
            throw traversal("Path segments '.', '..' and backslashes are not allowed, encoded or not.");
        }
        for (String piece : normalised.split("/", -1)) {
            int parameters = piece.indexOf(';');
            String name = (parameters >= 0 ? piece.substring(0, parameters) : piece).strip();
            if (!name.isEmpty() && name.chars().allMatch(c -> c == '.' || Character.isWhitespace(c))) {
                throw traversal("Path segments '.', '..' and backslashes are not allowed, encoded or not"
                        + " (nor as '..;', fullwidth dots or encoded slashes).");
            }
        }
    }

    /** True when some '%' is followed by two hex digits: another layer of encoding to peel. */
    private static boolean hasEscape(String s) {
        for (int i = s.indexOf('%'); i >= 0 && i + 2 < s.length(); i = s.indexOf('%', i + 1)) {
            if (HexFormat.isHexDigit(s.charAt(i + 1)) && HexFormat.isHexDigit(s.charAt(i + 2))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Percent-decodes one layer as UTF-8, strictly: bytes that are not well-formed UTF-8 (overlong forms of '.' or
     * '/', lone continuation bytes) are refused rather than replaced. A '%' not followed by two hex digits stays as
     * it is; '+' stays '+'.
     */
    static String decodeStrict(String s) {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream(s.length());
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); ) {
            char c = s.charAt(i);
            if (c == '%' && i + 2 < s.length()
                    && HexFormat.isHexDigit(s.charAt(i + 1)) && HexFormat.isHexDigit(s.charAt(i + 2))) {
                bytes.write(HexFormat.fromHexDigits(s, i + 1, i + 3));
                i += 3;
                continue;
            }
            flushUtf8(bytes, out);
            out.append(c);
            i++;
        }
        flushUtf8(bytes, out);
        return out.toString();
    }

    private static void flushUtf8(java.io.ByteArrayOutputStream bytes, StringBuilder out) {
        if (bytes.size() == 0) {
            return;
        }
        try {
            out.append(StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes.toByteArray())));
        } catch (CharacterCodingException e) {
            throw traversal("Percent-encoded bytes in the path must be well-formed UTF-8"
                    + " (overlong forms such as %C0%AE are refused).");
        }
        bytes.reset();
    }

    private static GatewayException traversal(String message) {
        return new GatewayException(ErrorCode.PATH_TRAVERSAL, message);
    }

    private static String hostParam(String name, String value) {
        // Vertex AI: "global" lives on aiplatform.googleapis.com, regions on {region}-aiplatform.googleapis.com.
        if ("location".equals(name)) {
            return "global".equals(value) ? "" : value + "-";
        }
        return value;
    }

    private static boolean hasControl(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0)) {
                return true;
            }
        }
        return false;
    }

    private static Iterable<String> groupNames(Pattern pattern) {
        return pattern.namedGroups().keySet();
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }

    /** Echo user input safely in messages: bounded, printable ASCII only. */
    static String printable(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(Math.min(s.length(), 64));
        for (int i = 0; i < s.length() && b.length() < 64; i++) {
            char c = s.charAt(i);
            b.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return b.toString();
    }

    private static GatewayException badPath(String message) {
        return new GatewayException(ErrorCode.BAD_PATH, message);
    }
}

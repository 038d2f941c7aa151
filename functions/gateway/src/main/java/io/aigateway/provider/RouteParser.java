package io.aigateway.provider;

import io.aigateway.core.ErrorCode;
import io.aigateway.core.GatewayException;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
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
        if (provider.hostPattern() != null) {
            Matcher m = provider.hostPattern().matcher(rest);
            if (!m.find()) {
                throw badPath("The " + provider.slug() + " path must look like " + provider.pathHint() + ".");
            }
            for (String group : groupNames(provider.hostPattern())) {
                params.put(group, hostParam(group, m.group(group)));
            }
            if (provider.consumesMatch()) {
                forwarded = rest.substring(m.end());
            }
        }
        String base = provider.fill(params);
        if (base == null) {
            throw badPath("The " + provider.slug() + " path is missing a part the provider needs.");
        }
        URI baseUri = URI.create(base);
        URI origin = registry.override(provider.slug()).orElse(null);
        if (origin != null) {
            baseUri = provider.hostPattern() == null && !provider.baseTemplate().contains("{")
                    ? origin
                    : URI.create(origin.getScheme() + "://" + origin.getRawAuthority() + nullToEmpty(baseUri.getRawPath()));
        }
        URI upstream = build(baseUri, forwarded, rawQuery);
        return new ProxyRoute(path.account(), path.gatewayId(), provider, forwarded, upstream);
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

    private static void checkSegments(String rest) {
        for (String segment : rest.split("/", -1)) {
            String once = decode(segment);
            String twice = decode(once);
            if (isDot(once) || isDot(twice) || once.indexOf('\\') >= 0 || twice.indexOf('\\') >= 0
                    || hasControl(once)) {
                throw new GatewayException(ErrorCode.PATH_TRAVERSAL,
                        "Path segments '.', '..' and backslashes are not allowed, encoded or not.");
            }
        }
    }

    private static String hostParam(String name, String value) {
        // Vertex AI: "global" lives on aiplatform.googleapis.com, regions on {region}-aiplatform.googleapis.com.
        if ("location".equals(name)) {
            return "global".equals(value) ? "" : value + "-";
        }
        return value;
    }

    private static boolean isDot(String s) {
        return ".".equals(s) || "..".equals(s);
    }

    private static boolean hasControl(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < 0x20 || s.charAt(i) == 0x7f) {
                return true;
            }
        }
        return false;
    }

    private static String decode(String s) {
        if (s.indexOf('%') < 0) {
            return s;
        }
        try {
            return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw badPath("The path has an invalid percent-encoding.");
        }
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

package io.aigateway.cache;

import io.aigateway.config.GatewaySettings;
import io.aigateway.core.ErrorCode;
import io.aigateway.core.GatewayException;
import io.aigateway.core.Headers;

import java.util.Locale;

/**
 * Whether one request reads and writes the cache, and for how long an entry lives, from the gateway's
 * {@code cache_ttl} and the request's {@code cf-aig-*} cache headers (each validated even when caching is off,
 * so a typo is a 400 rather than a silent miss):
 * <ul>
 *   <li>{@code cf-aig-skip-cache: true}: neither read nor written;</li>
 *   <li>{@code cf-aig-cache-ttl}: 0 turns caching off for the request; 60 s to 30 days turns it on with that TTL;</li>
 *   <li>{@code cf-aig-cache-key}: turns caching on with this key (TTL: header, else gateway, else 300 s);</li>
 *   <li>otherwise the gateway's {@code cache_ttl} (0 = off).</li>
 * </ul>
 * Only GET and POST are cached.
 *
 * @param ttlSeconds 0 when the request is not cacheable
 * @param customKey  the {@code cf-aig-cache-key}, or null for the default key
 */
public record CachePolicy(int ttlSeconds, String customKey) {
    public static final String SKIP = "cf-aig-skip-cache";
    public static final String TTL = "cf-aig-cache-ttl";
    public static final String KEY = "cf-aig-cache-key";
    public static final int DEFAULT_KEY_TTL = 300;
    public static final int MAX_KEY_LENGTH = 1024;

    static final CachePolicy OFF = new CachePolicy(0, null);

    public boolean cacheable() {
        return ttlSeconds > 0;
    }

    public static CachePolicy of(String method, Headers headers, GatewaySettings settings) {
        boolean skip = skip(headers.firstOrNull(SKIP));
        Integer ttl = ttl(headers.firstOrNull(TTL));
        String key = key(headers.firstOrNull(KEY));
        if (skip || (ttl != null && ttl == 0) || !("POST".equals(method) || "GET".equals(method))) {
            return OFF;
        }
        int gatewayTtl = settings == null ? 0 : Math.max(0, settings.cacheTtl());
        if (ttl != null) {
            return new CachePolicy(ttl, key);
        }
        if (key != null) {
            return new CachePolicy(gatewayTtl > 0 ? gatewayTtl : DEFAULT_KEY_TTL, key);
        }
        return gatewayTtl > 0 ? new CachePolicy(gatewayTtl, null) : OFF;
    }

    private static boolean skip(String raw) {
        if (raw == null) {
            return false;
        }
        return switch (raw.trim().toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw bad(SKIP + " must be true or false (true: neither read nor write the cache).");
        };
    }

    private static Integer ttl(String raw) {
        if (raw == null) {
            return null;
        }
        try {
            long v = Long.parseLong(raw.trim());
            if (v == 0 || (v >= GatewaySettings.MIN_CACHE_TTL && v <= GatewaySettings.MAX_CACHE_TTL)) {
                return (int) v;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw bad(TTL + " must be 0 (do not cache this request) or whole seconds from " + GatewaySettings.MIN_CACHE_TTL
                + " to " + GatewaySettings.MAX_CACHE_TTL + " (30 days); got '" + printable(raw) + "'.");
    }

    private static String key(String raw) {
        if (raw == null) {
            return null;
        }
        String key = raw.trim();
        if (key.isEmpty() || key.length() > MAX_KEY_LENGTH || !key.chars().allMatch(c -> c >= 0x20 && c != 0x7f)) {
            throw bad(KEY + " must be 1-" + MAX_KEY_LENGTH + " printable characters.");
        }
        return key;
    }

    private static String printable(String raw) {
        String s = raw.length() > 40 ? raw.substring(0, 40) + "..." : raw;
        return s.replaceAll("[^\\x20-\\x7e]", "?");
    }

    private static GatewayException bad(String message) {
        return new GatewayException(ErrorCode.BAD_HEADER, message);
    }
}

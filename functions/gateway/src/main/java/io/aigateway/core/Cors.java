package io.aigateway.core;

import java.util.List;
import java.util.Locale;

/**
 * Browser clients, per gateway (setting {@code cors_origins}: exact origins such as
 * {@code "https://app.example.com"}, or {@code "*"}). Preflights ({@code OPTIONS} with
 * {@code Access-Control-Request-Method}) are answered by the gateway itself: never proxied to a provider, never
 * logged, never counted against rate limits. Every answer to an allowed origin, the gateway's own errors included,
 * carries {@code Access-Control-Allow-Origin} and exposes the {@code cf-aig-*} headers, so a browser sees the 429
 * rather than a CORS failure. With no origins configured nothing changes: no CORS headers, and preflights get a
 * 204 without them, which browsers treat as a refusal.
 */
public final class Cors {
    static final String EXPOSED = String.join(", ", List.of("cf-aig-log-id", "cf-aig-event-id", "cf-aig-cache-status",
            "cf-aig-step", "cf-aig-error-code", "retry-after", "ratelimit-limit", "ratelimit-remaining",
            "ratelimit-reset", "x-request-id"));
    private static final String METHODS = "GET, POST, PUT, PATCH, DELETE, OPTIONS";
    private static final long MAX_AGE_SECONDS = 600;

    private Cors() {
    }

    public static boolean isPreflight(GatewayRequest request) {
        return "OPTIONS".equals(request.method())
                && request.headers().firstOrNull("access-control-request-method") != null;
    }

    /** The origin to allow for this request, or null (no Origin header, or not allowed). */
    public static String allowedOrigin(GatewayRequest request, List<String> origins) {
        String origin = request.headers().firstOrNull("origin");
        if (origin == null || origins == null || origins.isEmpty()) {
            return null;
        }
        for (String allowed : origins) {
            if ("*".equals(allowed)) {
                return "*";
            }
            if (allowed.equalsIgnoreCase(origin)) {
                return origin;
            }
        }
        return null;
    }

    /** The gateway's own answer to a preflight. */
    public static GatewayResponse preflight(GatewayRequest request, List<String> origins) {
        Headers.Builder headers = Headers.builder().set("vary", "Origin");
        String origin = allowedOrigin(request, origins);
        if (origin != null) {
            headers.set("access-control-allow-origin", origin)
                    .set("access-control-allow-methods", METHODS)
                    .set("access-control-max-age", Long.toString(MAX_AGE_SECONDS));
            String asked = request.headers().firstOrNull("access-control-request-headers");
            if (asked != null && !asked.isBlank()) {
                headers.set("access-control-allow-headers", asked.toLowerCase(Locale.ROOT));
            }
        }
        return GatewayResponse.of(204, headers.build(), ResponseBody.Bytes.EMPTY);
    }

    /** The CORS headers an answer to {@code request} carries (none when its origin is not allowed). */
    public static Headers.Builder decorate(Headers.Builder headers, GatewayRequest request, List<String> origins) {
        String origin = allowedOrigin(request, origins);
        if (origin != null) {
            headers.set("access-control-allow-origin", origin)
                    .set("access-control-expose-headers", EXPOSED)
                    .set("vary", "Origin");
        }
        return headers;
    }
}

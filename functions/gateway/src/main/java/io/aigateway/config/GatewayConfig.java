package io.aigateway.config;

import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Process-wide settings, read once from environment variables (the same names in Lambda and locally).
 * Every variable and its default is listed in the README ("Process settings"; gateway defaults under "Gateway settings").
 */
public record GatewayConfig(
        String tableName,
        Map<String, URI> upstreamOverrides,
        Optional<String> adminToken,
        Optional<String> adminTokenSecretArn,
        Optional<String> accountId,
        Duration streamIdleTimeout,
        Duration connectTimeout,
        long maxRequestBytes,
        int logBodyBytes,
        int logPayloadBytes,
        boolean analytics,
        boolean emitMetrics,
        long cacheMemoryBytes,
        long settingsRefreshMillis,
        GatewaySettings defaults,
        Map<String, String> env) {

    public static final String UPSTREAM_PREFIX = "GATEWAY_UPSTREAM_";

    public static GatewayConfig fromEnv() {
        return fromEnv(System.getenv());
    }

    public static GatewayConfig fromEnv(Map<String, String> env) {
        requireConfig(env); // validated at start, like every other variable
        Map<String, URI> overrides = new HashMap<>();
        env.forEach((name, value) -> {
            if (name.startsWith(UPSTREAM_PREFIX) && !value.isBlank()) {
                String slug = name.substring(UPSTREAM_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '-');
                overrides.put(slug, parseBaseUrl(name, value.trim()));
            }
        });
        return new GatewayConfig(
                env.getOrDefault("GATEWAY_TABLE", "ai-gateway"),
                Map.copyOf(overrides),
                nonBlank(env.get("GATEWAY_ADMIN_TOKEN")),
                nonBlank(env.get("GATEWAY_ADMIN_TOKEN_SECRET_ARN")),
                nonBlank(env.get("GATEWAY_ACCOUNT_ID")),
                Duration.ofMillis(intVar(env, "GATEWAY_STREAM_IDLE_TIMEOUT_MS", 300_000, 1_000, 900_000)),
                Duration.ofMillis(intVar(env, "GATEWAY_CONNECT_TIMEOUT_MS", 10_000, 100, 60_000)),
                intVar(env, "GATEWAY_MAX_REQUEST_BYTES", 25 * 1024 * 1024, 1024, Integer.MAX_VALUE),
                intVar(env, "GATEWAY_LOG_BODY_BYTES", 4096, 0, 64 * 1024),
                intVar(env, "GATEWAY_LOG_PAYLOAD_BYTES", 256 * 1024, 0, 4 * 1024 * 1024),
                !"off".equalsIgnoreCase(env.getOrDefault("GATEWAY_ANALYTICS", "on")),
                !"off".equalsIgnoreCase(env.getOrDefault("GATEWAY_METRICS", "emf")),
                intVar(env, "GATEWAY_CACHE_MEMORY_MB", 64, 0, 4096) * 1024L * 1024L,
                intVar(env, "GATEWAY_SETTINGS_REFRESH_SECONDS", 5, 1, 3600) * 1000L,
                defaults(env),
                Map.copyOf(env));
    }

    /**
     * {@code GATEWAY_REQUIRE_CONFIG} (default false): when true, only gateways with stored settings are served; any
     * other id gets 404 (code 2013) before any other work, except {@value SettingsCache#DEFAULT_GATEWAY}, which is
     * created with the defaults on first use. The template sets it from {@code RequireGatewayConfig} (default
     * true); the local runtime leaves it false, so a gateway runs on the defaults as soon as a request names it.
     */
    public boolean requireConfig() {
        return requireConfig(env);
    }

    private static boolean requireConfig(Map<String, String> env) {
        String raw = env.get("GATEWAY_REQUIRE_CONFIG");
        if (raw == null || raw.isBlank()) {
            return false;
        }
        return switch (raw.trim().toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("GATEWAY_REQUIRE_CONFIG must be true or false, got " + raw);
        };
    }

    /** The settings of a gateway nobody configured, under its id. */
    public GatewaySettings defaultsFor(String gatewayId) {
        return defaults.withId(gatewayId);
    }

    private static GatewaySettings defaults(Map<String, String> env) {
        try {
            return GatewaySettings.defaults("", env);
        } catch (io.aigateway.core.GatewayException e) {
            throw new IllegalArgumentException("GATEWAY_DEFAULT_*: " + e.getMessage());
        }
    }

    private static URI parseBaseUrl(String name, String value) {
        URI uri;
        try {
            uri = URI.create(value.endsWith("/") ? value.substring(0, value.length() - 1) : value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(name + " must be an absolute http(s) URL, got: " + value);
        }
        if (uri.getHost() == null || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
            throw new IllegalArgumentException(name + " must be an absolute http(s) URL, got: " + value);
        }
        return uri;
    }

    private static Optional<String> nonBlank(String value) {
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.trim());
    }

    private static int intVar(Map<String, String> env, String name, int fallback, int min, int max) {
        String raw = env.get(name);
        if (raw == null || raw.isBlank()) {
            return fallback;
        }
        try {
            int value = Integer.parseInt(raw.trim());
            if (value < min || value > max) {
                throw new IllegalArgumentException(name + " must be between " + min + " and " + max + ", got " + raw);
            }
            return value;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a whole number, got " + raw);
        }
    }
}

package io.aigateway.server;

import java.time.Duration;
import java.util.Map;

/**
 * What the HTTP server transport allows a client, read from the environment ({@link #fromEnv}).
 *
 * @param headerTimeout     a connection must complete a request's headers this long after it sent the first byte of
 *                          them (or after it opened), else it is closed: slowloris connections do not pile up
 *                          ({@code GATEWAY_HEADER_TIMEOUT_MS}, default 10 s)
 * @param idleTimeout       a connection on which nothing moves for this long while the server reads a request body,
 *                          writes a response or waits for the next request is closed; waiting for the provider does
 *                          not count ({@code GATEWAY_IDLE_TIMEOUT_MS}, default 60 s)
 * @param inflightBodyBytes request bodies held in memory at once, across all connections; a body that does not fit
 *                          waits up to {@code inflightWait}, then gets 503 ({@code GATEWAY_MAX_INFLIGHT_BODY_MB},
 *                          default 64)
 * @param inflightWait      how long a body waits for room under {@code inflightBodyBytes}
 */
record ServerLimits(Duration headerTimeout, Duration idleTimeout, long inflightBodyBytes, Duration inflightWait) {
    static final String HEADER_TIMEOUT = "GATEWAY_HEADER_TIMEOUT_MS";
    static final String IDLE_TIMEOUT = "GATEWAY_IDLE_TIMEOUT_MS";
    static final String INFLIGHT_BODY_MB = "GATEWAY_MAX_INFLIGHT_BODY_MB";

    static final ServerLimits DEFAULTS = new ServerLimits(Duration.ofSeconds(10), Duration.ofSeconds(60),
            64L << 20, Duration.ofSeconds(2));

    ServerLimits {
        if (headerTimeout.isNegative() || headerTimeout.isZero() || idleTimeout.isNegative() || idleTimeout.isZero()
                || inflightBodyBytes <= 0 || inflightWait.isNegative()) {
            throw new IllegalArgumentException("server limits must be positive");
        }
    }

    /** The defaults, with each variable that is set (to a positive whole number) replacing its default. */
    static ServerLimits fromEnv(Map<String, String> env) {
        return new ServerLimits(
                Duration.ofMillis(positive(env, HEADER_TIMEOUT, DEFAULTS.headerTimeout.toMillis())),
                Duration.ofMillis(positive(env, IDLE_TIMEOUT, DEFAULTS.idleTimeout.toMillis())),
                positive(env, INFLIGHT_BODY_MB, DEFAULTS.inflightBodyBytes >> 20) << 20,
                DEFAULTS.inflightWait);
    }

    private static long positive(Map<String, String> env, String name, long fallback) {
        String value = env.get(name);
        if (value == null || value.isBlank()) {
            return fallback;
        }
        long parsed;
        try {
            parsed = Long.parseLong(value.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a whole number, not '" + value + "'");
        }
        if (parsed <= 0 || parsed > (name.equals(INFLIGHT_BODY_MB) ? 1L << 30 : Integer.MAX_VALUE)) {
            throw new IllegalArgumentException(name + " must be positive (and sane), not " + parsed);
        }
        return parsed;
    }
}

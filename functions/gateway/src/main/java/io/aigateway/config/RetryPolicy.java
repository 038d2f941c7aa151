package io.aigateway.config;

import io.aigateway.core.Backoff;

import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.ThreadLocalRandom;

/**
 * When and how long to wait before another attempt. Retried: connection failures, first-byte timeouts, 408, 429
 * and 5xx. Waits grow by the backoff with +-20% jitter (so retrying clients do not synchronise) and never exceed
 * {@value #MAX_DELAY_MS} ms; a provider's Retry-After is honoured when it fits in that bound, and when it does not
 * the provider's answer is returned as it is, rather than holding the client.
 */
public record RetryPolicy(int maxAttempts, int delayMillis, Backoff backoff, Duration timeout) {
    public static final int MAX_DELAY_MS = 5_000;

    public static boolean retryableStatus(int status) {
        return status == 408 || status == 429 || status >= 500;
    }

    /** The wait before attempt {@code next} (2 for the first retry), or -1 when Retry-After asks for too long. */
    public long delayBefore(int next, String retryAfter) {
        int n = next - 1; // retries so far, starting at 1
        double base = backoff.delayMillis(delayMillis, n);
        long wait = Math.round(base * (0.8 + 0.4 * ThreadLocalRandom.current().nextDouble()));
        long asked = retryAfterMillis(retryAfter);
        if (asked > MAX_DELAY_MS) {
            return -1;
        }
        return Math.min(MAX_DELAY_MS, Math.max(wait, asked));
    }

    static long retryAfterMillis(String header) {
        if (header == null || header.isBlank()) {
            return 0;
        }
        String v = header.trim();
        try {
            return Math.max(0, (long) (Double.parseDouble(v) * 1000));
        } catch (NumberFormatException notSeconds) {
            try {
                ZonedDateTime at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME);
                return Math.max(0, at.toInstant().toEpochMilli() - System.currentTimeMillis());
            } catch (RuntimeException notADate) {
                return 0;
            }
        }
    }
}

package io.aigateway.core;

import java.util.Locale;
import java.util.Optional;

/** How the wait between retries grows: {@code retry_backoff}, {@code cf-aig-backoff}, a universal step's config. */
public enum Backoff {
    CONSTANT, LINEAR, EXPONENTIAL;

    /** The wire name ({@code constant}, {@code linear}, {@code exponential}). */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The value of a wire name, case-insensitive; empty for anything else (callers answer 400, never guess). */
    public static Optional<Backoff> parse(String name) {
        if (name != null) {
            for (Backoff b : values()) {
                if (b.label().equalsIgnoreCase(name.trim())) {
                    return Optional.of(b);
                }
            }
        }
        return Optional.empty();
    }

    /** The wait before retry {@code n} (1 for the first), before jitter. */
    public double delayMillis(int baseMillis, int n) {
        return switch (this) {
            case CONSTANT -> baseMillis;
            case LINEAR -> (double) baseMillis * n;
            case EXPONENTIAL -> baseMillis * Math.pow(2, n - 1);
        };
    }
}

package io.aigateway.config;

import java.util.Locale;
import java.util.Optional;

/** How a rate limit counts: clock-aligned fixed windows, or a sliding window weighed from the previous one. */
public enum RateLimitTechnique {
    FIXED, SLIDING;

    /** The wire name ({@code fixed}, {@code sliding}). */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The value of a wire name, case-insensitive; empty for anything else (callers answer 400, never guess). */
    public static Optional<RateLimitTechnique> parse(String name) {
        if (name != null) {
            for (RateLimitTechnique t : values()) {
                if (t.label().equalsIgnoreCase(name.trim())) {
                    return Optional.of(t);
                }
            }
        }
        return Optional.empty();
    }
}

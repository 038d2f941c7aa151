package io.aigateway.config;

import java.util.Locale;
import java.util.Optional;

/**
 * Setting {@code log_redaction}: what of a request is masked in its record before the record leaves the process
 * (for ingest, CloudWatch Logs and DynamoDB). The client's traffic is never changed by it.
 */
public enum LogRedaction {
    /** Bodies and metadata are recorded as they were (credentials are still scrubbed). */
    OFF,
    /** Values found by the DLP detectors (every built-in profile and the gateway's own) are replaced by their type. */
    DETECTORS,
    /** No body is recorded at all (heads and stored bodies); metadata is masked as with {@link #DETECTORS}. */
    BODIES;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<LogRedaction> parse(String value) {
        if (value == null) {
            return Optional.empty();
        }
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "off" -> Optional.of(OFF);
            case "detectors" -> Optional.of(DETECTORS);
            case "bodies" -> Optional.of(BODIES);
            default -> Optional.empty();
        };
    }
}

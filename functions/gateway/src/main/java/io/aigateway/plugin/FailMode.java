package io.aigateway.plugin;

import java.util.Locale;
import java.util.Optional;

/** What a failing plug-in or hook (exception, timeout, bad answer) means for the request: refuse it, or let it pass. */
public enum FailMode {
    OPEN, CLOSED;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<FailMode> parse(String name) {
        return Labels.parse(values(), name, FailMode::label);
    }
}

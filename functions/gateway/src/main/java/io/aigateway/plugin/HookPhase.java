package io.aigateway.plugin;

import java.util.Locale;
import java.util.Optional;

/** A hook's {@code on}: which phases call it. */
public enum HookPhase {
    REQUEST, RESPONSE, BOTH;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    boolean covers(HookPhase phase) {
        return this == BOTH || this == phase;
    }

    public static Optional<HookPhase> parse(String name) {
        return Labels.parse(values(), name, HookPhase::label);
    }
}

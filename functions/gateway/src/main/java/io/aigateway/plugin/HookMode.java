package io.aigateway.plugin;

import java.util.Locale;
import java.util.Optional;

/**
 * A hook's {@code mode}. Check hooks only allow or block, so they run in parallel; modify hooks may also replace
 * the body, so they run one after another in the order listed, each seeing the previous one's body.
 */
public enum HookMode {
    CHECK, MODIFY;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<HookMode> parse(String name) {
        return Labels.parse(values(), name, HookMode::label);
    }
}

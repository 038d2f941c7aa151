package io.aigateway.plugin;

import java.util.Locale;
import java.util.Optional;

/** Where in the pipeline a plug-in entry runs: on the request before the cache lookup, or on the provider's answer. */
public enum PluginPoint {
    BEFORE_CACHE, AFTER_RESPONSE;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<PluginPoint> parse(String name) {
        return Labels.parse(values(), name, PluginPoint::label);
    }
}

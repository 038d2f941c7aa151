package io.aigateway.compatapi;

import io.aigateway.config.GatewaySettings;

/** A model name as the client says it, resolved through the gateway's {@code model_aliases}. */
final class ModelNames {
    private ModelNames() {
    }

    /** The alias's target when {@code asked} is an alias of the gateway, else {@code asked} itself. */
    static String resolve(String asked, GatewaySettings settings) {
        if (asked == null || settings == null) {
            return asked;
        }
        return settings.modelAliases().getOrDefault(asked, asked);
    }
}

package io.aigateway.compatapi;

import io.aigateway.core.GatewayResponse;

/** Turns a provider's answer (from the provider steps: the cache or the provider itself) into OpenAI's format. */
@FunctionalInterface
public interface AnswerTranslation {
    GatewayResponse translate(GatewayResponse providerAnswer);
}

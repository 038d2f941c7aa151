package io.aigateway.compat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** OpenAI Embeddings to one provider's embeddings API and back. Stateless and thread-safe. */
public interface EmbeddingsTranslator {

    String provider();

    /** @throws UnsupportedParameterException for a parameter (or model) the provider cannot honour */
    TranslatedRequest toProvider(ObjectNode openAiRequest, String model);

    /**
     * @param openAiRequest the original request: its {@code encoding_format} decides floats or base64 (OpenAI's
     *                      Python SDK asks for base64 unless told otherwise)
     * @return an OpenAI {@code list} of {@code embedding} objects with usage
     */
    ObjectNode fromProvider(JsonNode providerResponse, ObjectNode openAiRequest, String requestedModel);

    OpenAiError mapError(int providerStatus, JsonNode providerErrorBody);
}

package io.aigateway.compat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** OpenAI Chat Completions to one provider's native API and back. Implementations are stateless and thread-safe. */
public interface ChatTranslator {

    /** The provider slug (as in the provider registry). */
    String provider();

    /**
     * @param openAiRequest the OpenAI request body; not modified
     * @param model         the provider's model id (the part after {@code provider/})
     * @throws UnsupportedParameterException for a parameter the provider cannot honour
     */
    TranslatedRequest toProvider(ObjectNode openAiRequest, String model);

    /**
     * @param providerResponse the provider's successful (2xx) answer
     * @param requestedModel   the model the client asked for, echoed in {@code model}
     * @return an OpenAI {@code chat.completion}
     */
    ObjectNode fromProvider(JsonNode providerResponse, String requestedModel);

    /** A translator for one streamed answer to {@code openAiRequest} (it reads {@code stream_options}). */
    StreamTranslator stream(ObjectNode openAiRequest, String requestedModel);

    /** An upstream error answer (status >= 400) as an OpenAI error. {@code providerErrorBody} may be null. */
    OpenAiError mapError(int providerStatus, JsonNode providerErrorBody);
}

package io.aigateway.compatapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aigateway.compat.EmbeddingsTranslator;
import io.aigateway.core.ErrorCode;
import io.aigateway.core.GatewayException;
import io.aigateway.core.GatewayResponse;

/** A provider's embeddings answer as OpenAI's (floats or base64, as the request's encoding_format asks). */
final class EmbeddingsAnswer implements AnswerTranslation {
    private final EmbeddingsTranslator translator;
    private final ObjectNode request;
    private final String requestedModel;

    EmbeddingsAnswer(EmbeddingsTranslator translator, ObjectNode request, String requestedModel) {
        this.translator = translator;
        this.request = request;
        this.requestedModel = requestedModel;
    }

    @Override
    public GatewayResponse translate(GatewayResponse answer) {
        if (answer.status() >= 400) {
            return ChatAnswer.error(answer, translator.mapError(answer.status(),
                    Bodies.json(Bodies.read(answer, Bodies.MAX_ERROR))));
        }
        JsonNode json = Bodies.json(Bodies.read(answer, Bodies.MAX_ANSWER));
        if (json == null || !json.isObject()) {
            throw new GatewayException(ErrorCode.UPSTREAM_UNREACHABLE, "The provider answered with something that is not JSON.");
        }
        return ChatAnswer.json(answer, 200, translator.fromProvider(json, request, requestedModel));
    }
}

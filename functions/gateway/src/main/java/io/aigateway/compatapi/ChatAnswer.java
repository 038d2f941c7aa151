package io.aigateway.compatapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aigateway.compat.ChatTranslator;
import io.aigateway.compat.OpenAiError;
import io.aigateway.core.ErrorCode;
import io.aigateway.core.GatewayException;
import io.aigateway.core.GatewayResponse;
import io.aigateway.core.Json;
import io.aigateway.core.ResponseBody;

import java.io.IOException;

/** A provider's chat answer (buffered or streamed, or an error) as OpenAI's. */
final class ChatAnswer implements AnswerTranslation {
    private static final String EVENT_STREAM = "application/vnd.amazon.eventstream";

    private final ChatTranslator translator;
    private final ObjectNode request;
    private final String requestedModel;
    private final boolean stream;

    ChatAnswer(ChatTranslator translator, ObjectNode request, String requestedModel, boolean stream) {
        this.translator = translator;
        this.request = request;
        this.requestedModel = requestedModel;
        this.stream = stream;
    }

    @Override
    public GatewayResponse translate(GatewayResponse answer) {
        if (answer.status() >= 400) {
            return error(answer, translator.mapError(answer.status(), Bodies.json(Bodies.read(answer, Bodies.MAX_ERROR))));
        }
        String contentType = answer.headers().firstOrNull("content-type");
        boolean eventStream = contentType != null && contentType.toLowerCase().startsWith(EVENT_STREAM);
        boolean sse = contentType != null && contentType.toLowerCase().startsWith("text/event-stream");
        if (stream && (sse || eventStream)) {
            return new GatewayResponse(answer.status(), Bodies.headers(answer, "text/event-stream").build(),
                    new TranslatedStream(answer.body(), eventStream, translator.stream(request, requestedModel)),
                    answer.recorded());
        }
        JsonNode json = Bodies.json(Bodies.read(answer, Bodies.MAX_ANSWER));
        if (json == null || !json.isObject()) {
            throw new GatewayException(ErrorCode.UPSTREAM_UNREACHABLE, "The provider answered "
                    + (stream ? "without the stream that was asked for" : "with something that is not JSON") + ".");
        }
        return json(answer, 200, translator.fromProvider(json, requestedModel));
    }

    static GatewayResponse error(GatewayResponse answer, OpenAiError error) {
        return json(answer, error.status(), error.body());
    }

    static GatewayResponse json(GatewayResponse answer, int status, ObjectNode body) {
        try {
            return new GatewayResponse(status, Bodies.headers(answer, "application/json").build(),
                    new ResponseBody.Bytes(Json.MAPPER.writeValueAsBytes(body)), answer.recorded());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}

package io.aigateway.compat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

/**
 * Turns one provider stream into OpenAI {@code chat.completion.chunk} objects, event by event. One instance per
 * response (it keeps the little state a stream needs: ids, tool-call indexes, usage); not thread-safe.
 *
 * <p>A returned object with an {@code error} member instead of {@code choices} is an error the provider sent
 * mid-stream; written as an SSE {@code data:} line, OpenAI's SDKs raise it as an APIError.
 */
public interface StreamTranslator {

    /**
     * @param eventName the SSE {@code event:} name, or Bedrock's {@code :event-type} (or {@code :exception-type});
     *                  null when the stream names none (Gemini, OpenAI-compatible)
     * @param data      the event's decoded JSON data
     * @return zero or more chunks to send now
     */
    List<ObjectNode> onEvent(String eventName, JsonNode data);

    /** The provider's stream ended: whatever is still owed (the finish chunk, the usage chunk). */
    List<ObjectNode> onEnd();
}

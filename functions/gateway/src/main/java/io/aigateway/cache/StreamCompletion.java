package io.aigateway.cache;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.aigateway.core.Json;
import io.aigateway.wire.ByteScan;
import io.aigateway.wire.EventStreamMessage;
import io.aigateway.wire.SseEvent;

import java.util.Set;

/**
 * Decides, event by event as a server-sent-events body goes by, whether the stream reached its terminal event, so
 * only a finished answer is cached (APISIX's rule). It reads the wire protocol, not the provider's name, so every
 * provider speaking the same protocol is covered:
 * <ul>
 *   <li>OpenAI chat completions and compatible APIs ({@code chat.completion.chunk}): {@code data: [DONE]};</li>
 *   <li>Anthropic messages ({@code message_start} ...): {@code event: message_stop};</li>
 *   <li>OpenAI Responses ({@code response.*}): {@code response.completed} (or {@code response.incomplete},
 *       a finished answer cut by max_output_tokens, as a non-streamed call would return it);</li>
 *   <li>Cohere v2 ({@code message-start} ...): {@code message-end};</li>
 *   <li>a stream of none of these protocols (Gemini's SSE) has no terminal marker: its clean end is the end.</li>
 * </ul>
 * An error event ({@code event: error}, {@code response.failed}, a top-level {@code "error"} object) anywhere
 * before the terminal event means the answer is never cached. An AWS event stream (Bedrock) has no terminal marker
 * either; an {@code exception} or {@code error} message anywhere in it means failed.
 */
final class StreamCompletion {
    private static final Set<String> TERMINAL = Set.of("message_stop", "response.completed", "response.incomplete",
            "message-end");
    private static final Set<String> FAILURE = Set.of("error", "response.failed");
    private static final int MAX_FIELDS = 4;
    private static final byte[] DONE = ByteScan.ascii("[DONE]");

    private boolean terminal;
    private boolean needsMarker;
    private boolean failed;

    /** One event of the stream, in order ({@link io.aigateway.wire.SseDecoder}'s listener). */
    void event(SseEvent event) {
        if (terminal || failed) {
            return;
        }
        if (event.event() != null) {
            name(event.event().trim());
            if (terminal || failed) {
                return;
            }
        }
        if (event.oversized() || !event.hasData()) {
            return;
        }
        if (event.dataEquals(DONE)) {
            needsMarker = true;
            terminal = true;
        } else if (event.dataStartsWith('{')) {
            json(event.buffer(), event.dataOffset(), event.dataEnd());
        }
    }

    private void name(String type) {
        if (FAILURE.contains(type)) {
            failed = true;
        } else if (TERMINAL.contains(type)) {
            needsMarker = true;
            terminal = true;
        } else if (type.startsWith("message_") || type.startsWith("content_block_") || type.startsWith("response.")
                || type.startsWith("message-") || type.startsWith("content-")) {
            needsMarker = true;
        }
    }

    /** Reads only the first few top-level fields of a data payload: its type, its object kind, an error. */
    private void json(byte[] buf, int from, int end) {
        try (JsonParser p = Json.FACTORY.createParser(buf, from, end - from)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return;
            }
            for (int i = 0; i < MAX_FIELDS && p.nextToken() == JsonToken.FIELD_NAME; i++) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                if ("error".equals(field) && value != JsonToken.VALUE_NULL) {
                    failed = true;
                    return;
                }
                if (value == JsonToken.VALUE_STRING && "type".equals(field)) {
                    name(p.getText());
                    return;
                }
                if (value == JsonToken.VALUE_STRING && "object".equals(field)) {
                    if (p.getText().startsWith("chat.completion")) {
                        needsMarker = true;
                    }
                    return;
                }
                p.skipChildren();
            }
        } catch (Exception notJson) {
            // a data line that is not JSON says nothing about completion
        }
    }

    /** One message of an AWS event stream (Bedrock's binary streams): an exception or error one means failed. */
    void message(EventStreamMessage message) {
        if (message.isFailure()) {
            failed = true;
        }
    }

    boolean complete() {
        return !failed && (terminal || !needsMarker);
    }

    boolean failed() {
        return failed;
    }

    boolean sawTerminal() {
        return terminal;
    }
}

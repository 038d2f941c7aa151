package io.aigateway.cache;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.aigateway.core.Json;

import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * Decides, line by line as a server-sent-events body goes by, whether the stream reached its terminal event, so
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
 * before the terminal event means the answer is never cached.
 */
final class StreamCompletion {
    private static final Set<String> TERMINAL = Set.of("message_stop", "response.completed", "response.incomplete",
            "message-end");
    private static final Set<String> FAILURE = Set.of("error", "response.failed");
    private static final int MAX_FIELDS = 4;

    private boolean terminal;
    private boolean needsMarker;
    private boolean failed;

    /** One line without its line feed (a trailing CR is ignored). */
    void line(byte[] buf, int start, int end) {
        if (terminal || failed) {
            return;
        }
        if (end > start && buf[end - 1] == '\r') {
            end--;
        }
        if (startsWith(buf, start, end, "data:")) {
            int from = skipSpace(buf, start + 5, end);
            if (end - from == 6 && startsWith(buf, from, end, "[DONE]")) {
                needsMarker = true;
                terminal = true;
            } else if (from < end && buf[from] == '{') {
                json(buf, from, end);
            }
        } else if (startsWith(buf, start, end, "event:")) {
            int from = skipSpace(buf, start + 6, end);
            name(new String(buf, from, end - from, StandardCharsets.UTF_8).trim());
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

    boolean complete() {
        return !failed && (terminal || !needsMarker);
    }

    boolean failed() {
        return failed;
    }

    boolean sawTerminal() {
        return terminal;
    }

    private static boolean startsWith(byte[] buf, int start, int end, String prefix) {
        if (end - start < prefix.length()) {
            return false;
        }
        for (int i = 0; i < prefix.length(); i++) {
            if (buf[start + i] != prefix.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static int skipSpace(byte[] buf, int from, int end) {
        return from < end && buf[from] == ' ' ? from + 1 : from;
    }

    // ---- AWS event stream (Bedrock's binary streams) ----

    private static final byte[] EXCEPTION = header(":message-type", "exception");
    private static final byte[] ERROR = header(":message-type", "error");

    /** An AWS event stream reporting an exception or error event somewhere in it: never cached. */
    static boolean awsEventStreamFailed(byte[] body, int length) {
        return indexOf(body, length, EXCEPTION) >= 0 || indexOf(body, length, ERROR) >= 0;
    }

    /** The binary encoding of a string header: name length, name, type 7, value length (2 bytes), value. */
    private static byte[] header(String name, String value) {
        byte[] n = name.getBytes(StandardCharsets.US_ASCII);
        byte[] v = value.getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[1 + n.length + 1 + 2 + v.length];
        out[0] = (byte) n.length;
        System.arraycopy(n, 0, out, 1, n.length);
        out[1 + n.length] = 7;
        out[2 + n.length] = (byte) (v.length >>> 8);
        out[3 + n.length] = (byte) v.length;
        System.arraycopy(v, 0, out, 4 + n.length, v.length);
        return out;
    }

    private static int indexOf(byte[] haystack, int length, byte[] needle) {
        outer:
        for (int i = 0; i <= length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}

package io.aigateway.guard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.aigateway.core.Json;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * The text a JSON body carries: its string values (message contents, tool arguments, system prompts), never its
 * keys, and not the values that are identifiers or encoded media: {@code model}, {@code role}, {@code type},
 * {@code id}s, media types, base64 {@code data} and {@code data:} URLs, thinking signatures.
 */
final class JsonText {
    private static final Set<String> NOT_TEXT = Set.of("model", "role", "type", "id", "object", "tool_call_id",
            "tool_use_id", "finish_reason", "stop_reason", "finishReason", "media_type", "mime_type", "mimeType",
            "data", "signature", "encrypted_content", "system_fingerprint", "item_id", "response_id", "created",
            "logprobs", "embedding");

    private JsonText() {
    }

    /** The body as a JSON object or array; null when it is not JSON. */
    static JsonNode parse(byte[] body) {
        if (body == null || body.length == 0) {
            return null;
        }
        int i = 0;
        while (i < body.length && (body[i] == ' ' || body[i] == '\n' || body[i] == '\r' || body[i] == '\t')) {
            i++;
        }
        if (i == body.length || (body[i] != '{' && body[i] != '[')) {
            return null;
        }
        try {
            return Json.MAPPER.readTree(body);
        } catch (IOException notJson) {
            return null;
        }
    }

    /**
     * Rewrites every text value in place with {@code rewrite} (which may also just look, returning its input).
     *
     * @return whether any value changed
     */
    static boolean rewrite(JsonNode node, UnaryOperator<String> rewrite) {
        boolean changed = false;
        if (node instanceof ObjectNode o) {
            var it = o.properties().iterator();
            while (it.hasNext()) {
                var e = it.next();
                JsonNode v = e.getValue();
                if (v.isTextual()) {
                    if (NOT_TEXT.contains(e.getKey())) {
                        continue;
                    }
                    String text = v.asText();
                    String out = isText(text) ? rewrite.apply(text) : text;
                    if (!out.equals(text)) {
                        e.setValue(TextNode.valueOf(out));
                        changed = true;
                    }
                } else if (v.isContainerNode()) {
                    changed |= rewrite(v, rewrite);
                }
            }
        } else if (node instanceof ArrayNode a) {
            for (int k = 0; k < a.size(); k++) {
                JsonNode v = a.get(k);
                if (v.isTextual()) {
                    String text = v.asText();
                    String out = isText(text) ? rewrite.apply(text) : text;
                    if (!out.equals(text)) {
                        a.set(k, TextNode.valueOf(out));
                        changed = true;
                    }
                } else if (v.isContainerNode()) {
                    changed |= rewrite(v, rewrite);
                }
            }
        }
        return changed;
    }

    static byte[] bytes(JsonNode node) {
        try {
            return Json.MAPPER.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static String string(JsonNode node) {
        return new String(bytes(node), StandardCharsets.UTF_8);
    }

    private static boolean isText(String s) {
        return !s.isEmpty() && !s.startsWith("data:");
    }
}

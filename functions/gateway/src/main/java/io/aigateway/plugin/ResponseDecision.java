package io.aigateway.plugin;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a plug-in decides about a provider's answer. For a buffered answer all three apply. For a streamed answer
 * ({@link PluginResponse#streamed()}) the bytes are already with the client, so only {@link Allow} and the
 * annotations of any decision take effect: {@link Block} keeps the answer out of the cache and is recorded in the
 * log as a flag, {@link Modify} is ignored and recorded.
 */
public sealed interface ResponseDecision {

    Map<String, String> annotations();

    ResponseDecision annotate(String key, String value);

    static Allow allow() {
        return new Allow(Map.of());
    }

    /** Replaces a buffered answer with 403 (code 2043) naming the plug-in and this text. */
    static Block block(String message) {
        return new Block(message, Map.of());
    }

    /** Replaces a buffered answer's JSON body ({@code null}: keep it, only add headers). */
    static Modify modify(JsonNode body) {
        return new Modify(body, Map.of(), Map.of());
    }

    record Allow(Map<String, String> annotations) implements ResponseDecision {
        public Allow {
            annotations = Annotations.checked(annotations);
        }

        @Override
        public Allow annotate(String key, String value) {
            return new Allow(plus(annotations, key, value));
        }
    }

    record Block(String message, Map<String, String> annotations) implements ResponseDecision {
        public Block {
            message = Annotations.value(message == null || message.isBlank() ? "blocked" : message);
            annotations = Annotations.checked(annotations);
        }

        @Override
        public Block annotate(String key, String value) {
            return new Block(message, plus(annotations, key, value));
        }
    }

    /**
     * @param body       the new JSON body of the answer, or null to keep it
     * @param addHeaders response header fields to set toward the client
     */
    record Modify(JsonNode body, Map<String, String> addHeaders, Map<String, String> annotations)
            implements ResponseDecision {
        public Modify {
            body = body == null ? null : body.deepCopy();
            addHeaders = HeaderRules.checkedSet(addHeaders, "response headers to add");
            annotations = Annotations.checked(annotations);
        }

        public Modify addHeader(String name, String value) {
            Map<String, String> add = new LinkedHashMap<>(addHeaders);
            add.put(name, value);
            return new Modify(body, add, annotations);
        }

        @Override
        public JsonNode body() {
            return body == null ? null : body.deepCopy();
        }

        @Override
        public Modify annotate(String key, String value) {
            return new Modify(body, addHeaders, plus(annotations, key, value));
        }
    }

    private static Map<String, String> plus(Map<String, String> annotations, String key, String value) {
        Map<String, String> out = new LinkedHashMap<>(annotations);
        out.put(key, value);
        return out;
    }
}

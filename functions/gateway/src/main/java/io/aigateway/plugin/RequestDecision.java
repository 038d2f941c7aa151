package io.aigateway.plugin;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * What a plug-in decides about a request. Every decision may carry log annotations ({@link Annotations}).
 * Build them with the factories: {@code RequestDecision.allow()}, {@code block("why")},
 * {@code modify(newBody)}, {@code modify(null).setHeader("x-team", "a")}, then {@code .annotate(k, v)}.
 */
public sealed interface RequestDecision {

    Map<String, String> annotations();

    /** A copy with one more log annotation. */
    RequestDecision annotate(String key, String value);

    static Allow allow() {
        return new Allow(Map.of());
    }

    /** Refuses the request: the client gets 403 (code 2043) with a message naming the plug-in and this text. */
    static Block block(String message) {
        return new Block(message, Map.of());
    }

    /** Replaces the JSON body sent to the provider ({@code null}: keep the body, change only headers). */
    static Modify modify(JsonNode body) {
        return new Modify(body, Map.of(), Set.of(), Map.of());
    }

    record Allow(Map<String, String> annotations) implements RequestDecision {
        public Allow {
            annotations = Annotations.checked(annotations);
        }

        @Override
        public Allow annotate(String key, String value) {
            return new Allow(plus(annotations, key, value));
        }
    }

    record Block(String message, Map<String, String> annotations) implements RequestDecision {
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
     * Changes what goes to the provider.
     *
     * @param body          the new JSON body, or null to keep the current one
     * @param setHeaders    header fields to set (replacing any of the same name)
     * @param removeHeaders header fields to remove
     */
    record Modify(JsonNode body, Map<String, String> setHeaders, Set<String> removeHeaders,
                  Map<String, String> annotations) implements RequestDecision {
        public Modify {
            body = body == null ? null : body.deepCopy();
            setHeaders = HeaderRules.checkedSet(setHeaders, "headers to set");
            removeHeaders = HeaderRules.checkedRemove(removeHeaders, "headers to remove");
            annotations = Annotations.checked(annotations);
        }

        public Modify setHeader(String name, String value) {
            Map<String, String> set = new LinkedHashMap<>(setHeaders);
            set.put(name, value);
            Set<String> remove = new LinkedHashSet<>(removeHeaders);
            remove.remove(name.toLowerCase(java.util.Locale.ROOT));
            return new Modify(body, set, remove, annotations);
        }

        public Modify removeHeader(String name) {
            Map<String, String> set = new LinkedHashMap<>(setHeaders);
            set.remove(name.toLowerCase(java.util.Locale.ROOT));
            Set<String> remove = new LinkedHashSet<>(removeHeaders);
            remove.add(name);
            return new Modify(body, set, remove, annotations);
        }

        /** The body, as a copy the caller may change. */
        @Override
        public JsonNode body() {
            return body == null ? null : body.deepCopy();
        }

        @Override
        public Modify annotate(String key, String value) {
            return new Modify(body, setHeaders, removeHeaders, plus(annotations, key, value));
        }
    }

    private static Map<String, String> plus(Map<String, String> annotations, String key, String value) {
        Map<String, String> out = new LinkedHashMap<>(annotations);
        out.put(key, value);
        return out;
    }
}

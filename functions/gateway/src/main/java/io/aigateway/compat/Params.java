package io.aigateway.compat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * Reads the top-level parameters of one OpenAI request for one provider and remembers which it read, so that
 * {@link #rejectUnread()} can refuse every parameter a translator did not map: a new OpenAI parameter is a 400
 * naming it, never silently dropped. Not thread-safe; one per translation.
 */
final class Params {
    /**
     * Accepted and ignored whatever their value: they change nothing about the answer. {@code user},
     * {@code safety_identifier} and {@code prompt_cache_key} are hints for OpenAI's own abuse detection and cache
     * routing; {@code store} and {@code metadata} concern OpenAI's stored completions, which other providers do not
     * have; {@code stream_options} is read by the stream translator.
     */
    static final Set<String> HARMLESS = Set.of("model", "user", "safety_identifier", "prompt_cache_key", "store",
            "metadata", "stream_options");

    private final ObjectNode request;
    private final String provider;
    private final Set<String> read = new HashSet<>();

    Params(ObjectNode request, String provider) {
        this.request = request;
        this.provider = provider;
    }

    String provider() {
        return provider;
    }

    /** The value, null when absent or JSON null; marks it read. */
    JsonNode get(String name) {
        read.add(name);
        JsonNode v = request.get(name);
        return v == null || v.isNull() ? null : v;
    }

    Double number(String name) {
        JsonNode v = get(name);
        if (v == null) {
            return null;
        }
        if (!v.isNumber()) {
            throw new UnsupportedParameterException(name, provider, name + " must be a number");
        }
        return v.doubleValue();
    }

    Integer integer(String name) {
        JsonNode v = get(name);
        if (v == null) {
            return null;
        }
        if (!v.canConvertToInt() || !v.isIntegralNumber()) {
            throw new UnsupportedParameterException(name, provider, name + " must be an integer");
        }
        return v.intValue();
    }

    /** Puts the number {@code name} into {@code to} as {@code as}, when the request has it. */
    void copyNumber(String name, ObjectNode to, String as) {
        Double v = number(name);
        if (v != null) {
            to.put(as, v);
        }
    }

    /** As {@link #copyNumber}, leaving out 0, OpenAI's default (penalties), which some providers refuse. */
    void copyNonZero(String name, ObjectNode to, String as) {
        Double v = number(name);
        if (v != null && v != 0) {
            to.put(as, v);
        }
    }

    void copyInteger(String name, ObjectNode to, String as) {
        Integer v = integer(name);
        if (v != null) {
            to.put(as, v);
        }
    }

    String text(String name) {
        JsonNode v = get(name);
        if (v == null) {
            return null;
        }
        if (!v.isTextual()) {
            throw new UnsupportedParameterException(name, provider, name + " must be a string");
        }
        return v.asText();
    }

    boolean flag(String name) {
        JsonNode v = get(name);
        return v != null && v.asBoolean(false);
    }

    /** {@code max_completion_tokens}, or the older {@code max_tokens}; null when neither. */
    Integer maxTokens() {
        Integer completion = integer("max_completion_tokens");
        Integer legacy = integer("max_tokens");
        return completion != null ? completion : legacy;
    }

    /** {@code stop} as a list: OpenAI takes a string or an array of strings. */
    java.util.List<String> stop() {
        JsonNode v = get("stop");
        if (v == null) {
            return java.util.List.of();
        }
        if (v.isTextual()) {
            return java.util.List.of(v.asText());
        }
        if (!v.isArray()) {
            throw new UnsupportedParameterException("stop", provider, "stop must be a string or an array of strings");
        }
        java.util.List<String> out = new java.util.ArrayList<>();
        v.forEach(s -> out.add(s.asText()));
        return out;
    }

    /** Refuses {@code n} above 1 for providers with one answer per request. */
    void singleChoiceOnly() {
        Integer n = integer("n");
        if (n != null && n != 1) {
            throw new UnsupportedParameterException("n", provider, provider + " returns one choice per request; n must be 1");
        }
    }

    UnsupportedParameterException unsupported(String name, String why) {
        return new UnsupportedParameterException(name, provider, why);
    }

    /**
     * Throws for the first parameter present that no one read, unless it is {@link #HARMLESS} or holds the value
     * OpenAI treats as the default (so an SDK that always sends {@code n: 1} or {@code parallel_tool_calls: true}
     * is not refused).
     */
    void rejectUnread() {
        Iterator<Map.Entry<String, JsonNode>> fields = request.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> f = fields.next();
            String name = f.getKey();
            JsonNode v = f.getValue();
            if (read.contains(name) || HARMLESS.contains(name) || v == null || v.isNull() || isDefault(name, v)) {
                continue;
            }
            String why = switch (name) {
                case "functions", "function_call" -> name + " is deprecated by OpenAI and not translated; use tools"
                        + " and tool_choice";
                default -> provider + " has no equivalent of " + name + "; remove it or call a provider that supports it";
            };
            throw new UnsupportedParameterException(name, provider, why);
        }
    }

    private static boolean isDefault(String name, JsonNode v) {
        return switch (name) {
            case "n" -> v.isNumber() && v.intValue() == 1;
            case "parallel_tool_calls" -> v.isBoolean() && v.asBoolean();
            case "stream" -> v.isBoolean() && !v.asBoolean();
            case "logprobs" -> v.isBoolean() && !v.asBoolean();
            case "frequency_penalty", "presence_penalty", "top_logprobs" -> v.isNumber() && v.doubleValue() == 0;
            case "logit_bias" -> v.isObject() && v.isEmpty();
            case "service_tier" -> "auto".equals(v.asText()) || "default".equals(v.asText());
            case "modalities" -> v.isArray() && v.size() == 1 && "text".equals(v.get(0).asText());
            default -> false;
        };
    }
}

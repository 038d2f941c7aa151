package io.aigateway.compat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aigateway.core.Json;

import java.util.List;
import java.util.UUID;

/** Builders for the OpenAI shapes the translators return: completions, usage, errors. */
final class OpenAi {
    static final String STOP = "stop";
    static final String LENGTH = "length";
    static final String TOOL_CALLS = "tool_calls";
    static final String CONTENT_FILTER = "content_filter";

    private OpenAi() {
    }

    static String newId(String prefix) {
        return prefix + UUID.randomUUID().toString().replace("-", "");
    }

    /** A tool call of an answer, arguments as OpenAI's JSON string. */
    record OutCall(String id, String name, String arguments) {
    }

    /**
     * Token counts in OpenAI's meaning: prompt includes cached tokens, completion includes reasoning tokens
     * (providers that count them apart are added up by their translator).
     */
    record Tokens(long prompt, long completion, long cached, long reasoning) {
        static final Tokens NONE = new Tokens(0, 0, 0, 0);

        ObjectNode json() {
            ObjectNode u = Json.MAPPER.createObjectNode();
            u.put("prompt_tokens", prompt);
            u.put("completion_tokens", completion);
            u.put("total_tokens", prompt + completion);
            u.putObject("prompt_tokens_details").put("cached_tokens", cached);
            u.putObject("completion_tokens_details").put("reasoning_tokens", reasoning);
            return u;
        }

        /** Streams report counts cumulatively across events; each keeps the largest seen. */
        Tokens max(Tokens o) {
            return new Tokens(Math.max(prompt, o.prompt), Math.max(completion, o.completion),
                    Math.max(cached, o.cached), Math.max(reasoning, o.reasoning));
        }
    }

    static ObjectNode completion(String id, long created, String model) {
        ObjectNode c = Json.MAPPER.createObjectNode();
        c.put("id", id);
        c.put("object", "chat.completion");
        c.put("created", created);
        c.put("model", model);
        c.putArray("choices");
        return c;
    }

    /**
     * One choice. Content is null when the answer is only tool calls, as OpenAI sends it. Reasoning text goes in
     * {@code reasoning_content}, the field DeepSeek and others use; OpenAI's SDKs keep unknown fields.
     */
    static ObjectNode choice(int index, String text, String reasoning, List<OutCall> calls, String finish) {
        ObjectNode choice = Json.MAPPER.createObjectNode();
        choice.put("index", index);
        ObjectNode message = choice.putObject("message");
        message.put("role", "assistant");
        if (text.isEmpty() && !calls.isEmpty()) {
            message.putNull("content");
        } else {
            message.put("content", text);
        }
        if (reasoning != null && !reasoning.isEmpty()) {
            message.put("reasoning_content", reasoning);
        }
        if (!calls.isEmpty()) {
            ArrayNode tc = message.putArray("tool_calls");
            for (OutCall call : calls) {
                ObjectNode c = tc.addObject();
                c.put("id", call.id());
                c.put("type", "function");
                c.putObject("function").put("name", call.name()).put("arguments", call.arguments());
            }
        }
        message.putNull("refusal");
        choice.putNull("logprobs");
        choice.put("finish_reason", finish);
        return choice;
    }

    // ---- errors ----

    /**
     * An upstream error for an OpenAI SDK. The status decides the SDK's exception class (and whether it retries:
     * 408, 409, 429 and 5xx), so it is kept except where OpenAI would not send it: 529 (Anthropic's overloaded)
     * becomes 503, and 422 becomes 400.
     */
    static OpenAiError error(int status, JsonNode providerBody) {
        String message = message(providerBody, status);
        return switch (status) {
            case 400, 422 -> build(400, message, "invalid_request_error", null);
            case 401 -> build(401, message, "invalid_request_error", "invalid_api_key");
            case 403 -> build(403, message, "invalid_request_error", "permission_denied");
            case 404 -> build(404, message, "invalid_request_error", "model_not_found");
            case 408 -> build(408, message, "server_error", "timeout");
            case 413 -> build(413, message, "invalid_request_error", "request_too_large");
            case 429 -> build(429, message, "requests", "rate_limit_exceeded");
            case 503, 529 -> build(503, message, "server_error", "overloaded");
            case 504 -> build(504, message, "server_error", "timeout");
            default -> status >= 500 ? build(status, message, "server_error", null)
                    : build(status, message, "invalid_request_error", null);
        };
    }

    static OpenAiError build(int status, String message, String type, String code) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        ObjectNode e = root.putObject("error");
        e.put("message", message);
        e.put("type", type);
        e.putNull("param");
        if (code == null) {
            e.putNull("code");
        } else {
            e.put("code", code);
        }
        return new OpenAiError(status, root);
    }

    /**
     * The provider's own message, whatever its shape: Anthropic and OpenAI {@code error.message}, Gemini
     * {@code error.message} (with {@code error.status}), Bedrock {@code message} or {@code Message}, Cohere
     * {@code message}, Workers AI {@code errors[0].message}.
     */
    static String message(JsonNode body, int status) {
        if (body != null) {
            for (JsonNode candidate : List.of(body.path("error").path("message"), body.path("message"),
                    body.path("Message"), body.path("errors").path(0).path("message"), body.path("error"))) {
                if (candidate.isTextual() && !candidate.asText().isBlank()) {
                    return candidate.asText();
                }
            }
            if (body.isTextual() && !body.asText().isBlank()) {
                return body.asText();
            }
        }
        return "upstream provider answered HTTP " + status;
    }
}

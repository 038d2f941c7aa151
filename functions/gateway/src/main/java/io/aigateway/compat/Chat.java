package io.aigateway.compat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aigateway.core.Json;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * The parts of an OpenAI chat request every translator needs, read once into small types so each provider maps
 * types, not JSON: messages, tools, tool_choice, response_format, reasoning_effort.
 */
final class Chat {
    private Chat() {
    }

    // ---- messages ----

    sealed interface Msg {
    }

    /** {@code system} and {@code developer} messages (developer is OpenAI's newer name for the same thing). */
    record SystemMsg(String text) implements Msg {
    }

    record UserMsg(List<Part> parts) implements Msg {
    }

    record AssistantMsg(String text, List<ToolCall> toolCalls) implements Msg {
    }

    record ToolMsg(String toolCallId, String content) implements Msg {
    }

    sealed interface Part {
    }

    record Text(String text) implements Part {
    }

    /** An {@code image_url} part; {@code detail} is not translated (no provider has an equivalent knob). */
    record Image(String url) implements Part {
        boolean isData() {
            return url.startsWith("data:");
        }
    }

    record ToolCall(String id, String name, String arguments) {
    }

    /** A base64 data URL, split. */
    record DataUrl(String mediaType, String base64) {
        byte[] bytes() {
            return Base64.getDecoder().decode(base64);
        }
    }

    static List<Msg> messages(Params p) {
        JsonNode messages = p.get("messages");
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            throw p.unsupported("messages", "messages must be a non-empty array");
        }
        List<Msg> out = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            out.add(message(p, messages.get(i), "messages[" + i + "]"));
        }
        return out;
    }

    private static Msg message(Params p, JsonNode m, String at) {
        String role = m.path("role").asText("");
        if (m.hasNonNull("audio")) {
            throw p.unsupported(at + ".audio", "audio messages are not translated");
        }
        if (m.hasNonNull("function_call") || "function".equals(role)) {
            throw p.unsupported(at + ".function_call",
                    "the deprecated function role and function_call are not translated; use tool_calls and role tool");
        }
        return switch (role) {
            case "system", "developer" -> new SystemMsg(textOnly(p, m.get("content"), at + ".content"));
            case "user" -> new UserMsg(parts(p, m.get("content"), at + ".content"));
            case "assistant" -> new AssistantMsg(assistantText(p, m.get("content"), at + ".content"),
                    toolCalls(p, m.get("tool_calls"), at + ".tool_calls"));
            case "tool" -> {
                String id = m.path("tool_call_id").asText(null);
                if (id == null) {
                    throw p.unsupported(at + ".tool_call_id", "a tool message needs tool_call_id");
                }
                yield new ToolMsg(id, textOnly(p, m.get("content"), at + ".content"));
            }
            default -> throw p.unsupported(at + ".role", "unknown role '" + role + "'");
        };
    }

    private static List<Part> parts(Params p, JsonNode content, String at) {
        if (content == null || content.isNull()) {
            return List.of();
        }
        if (content.isTextual()) {
            return List.of(new Text(content.asText()));
        }
        if (!content.isArray()) {
            throw p.unsupported(at, "content must be a string or an array of parts");
        }
        List<Part> out = new ArrayList<>();
        for (int i = 0; i < content.size(); i++) {
            JsonNode part = content.get(i);
            String type = part.path("type").asText("");
            String partAt = at + "[" + i + "]";
            switch (type) {
                case "text" -> out.add(new Text(part.path("text").asText("")));
                case "image_url" -> {
                    JsonNode image = part.get("image_url");
                    String url = image == null ? null : image.isTextual() ? image.asText() : image.path("url").asText(null);
                    if (url == null || url.isEmpty()) {
                        throw p.unsupported(partAt + ".image_url", "image_url needs a url");
                    }
                    out.add(new Image(url));
                }
                default -> throw p.unsupported(partAt + ".type", "content parts of type '" + type
                        + "' are not translated for " + p.provider() + "; text and image_url are");
            }
        }
        return out;
    }

    /** Content that may only hold text (system, tool, assistant): parts are joined. */
    private static String textOnly(Params p, JsonNode content, String at) {
        StringBuilder sb = new StringBuilder();
        for (Part part : parts(p, content, at)) {
            if (part instanceof Text t) {
                sb.append(t.text());
            } else {
                throw p.unsupported(at, "only text is accepted here");
            }
        }
        return sb.toString();
    }

    private static String assistantText(Params p, JsonNode content, String at) {
        if (content != null && content.isArray()) {
            // assistant parts may be text or refusal; a refusal was the model's own text
            StringBuilder sb = new StringBuilder();
            for (JsonNode part : content) {
                sb.append(part.has("text") ? part.get("text").asText() : part.path("refusal").asText(""));
            }
            return sb.toString();
        }
        return textOnly(p, content, at);
    }

    private static List<ToolCall> toolCalls(Params p, JsonNode calls, String at) {
        if (calls == null || calls.isNull()) {
            return List.of();
        }
        List<ToolCall> out = new ArrayList<>();
        for (int i = 0; i < calls.size(); i++) {
            JsonNode c = calls.get(i);
            if (!"function".equals(c.path("type").asText("function"))) {
                throw p.unsupported(at + "[" + i + "].type", "only function tool calls are translated");
            }
            JsonNode fn = c.path("function");
            out.add(new ToolCall(c.path("id").asText(""), fn.path("name").asText(""),
                    fn.path("arguments").asText("{}")));
        }
        return out;
    }

    /** Tool-call arguments as JSON, for providers that want an object rather than OpenAI's string. */
    static JsonNode arguments(Params p, ToolCall call) {
        String args = call.arguments().isBlank() ? "{}" : call.arguments();
        try {
            return Json.MAPPER.readTree(args);
        } catch (java.io.IOException e) {
            throw p.unsupported("messages", "tool call " + call.id() + " has arguments that are not JSON; "
                    + p.provider() + " needs them as an object");
        }
    }

    /** The function name of a tool call id, looked up in the assistant messages before it (Gemini needs names). */
    static String toolName(Params p, List<Msg> messages, int before, String toolCallId) {
        for (int i = before - 1; i >= 0; i--) {
            if (messages.get(i) instanceof AssistantMsg a) {
                for (ToolCall c : a.toolCalls()) {
                    if (c.id().equals(toolCallId)) {
                        return c.name();
                    }
                }
            }
        }
        throw p.unsupported("messages[" + before + "].tool_call_id", "tool_call_id " + toolCallId
                + " answers no earlier assistant tool call; " + p.provider() + " needs the function name");
    }

    static DataUrl dataUrl(Params p, String url, String at) {
        int comma = url.indexOf(',');
        String meta = comma < 0 ? "" : url.substring(5, comma);
        if (comma < 0 || !meta.endsWith(";base64")) {
            throw p.unsupported(at, "a data URL must be base64 (data:{media type};base64,...)");
        }
        return new DataUrl(meta.substring(0, meta.length() - ";base64".length()).toLowerCase(Locale.ROOT),
                url.substring(comma + 1));
    }

    // ---- tools ----

    record Tool(String name, String description, ObjectNode parameters) {
    }

    sealed interface ToolChoice {
    }

    record Auto() implements ToolChoice {
    }

    record NoTools() implements ToolChoice {
    }

    record Required() implements ToolChoice {
    }

    record Named(String name) implements ToolChoice {
    }

    /**
     * {@code tools}; function tools only. {@code strict} is accepted and not translated: SDKs set it by default, and
     * refusing it would refuse most agent frameworks (MAPPING.md says so).
     */
    static List<Tool> tools(Params p) {
        JsonNode tools = p.get("tools");
        if (tools == null) {
            return List.of();
        }
        List<Tool> out = new ArrayList<>();
        for (int i = 0; i < tools.size(); i++) {
            JsonNode t = tools.get(i);
            if (!"function".equals(t.path("type").asText())) {
                throw p.unsupported("tools[" + i + "].type", "only function tools are translated, not '"
                        + t.path("type").asText() + "'");
            }
            JsonNode fn = t.path("function");
            ObjectNode params = fn.get("parameters") instanceof ObjectNode o ? o
                    : Json.MAPPER.createObjectNode().put("type", "object").<ObjectNode>set("properties",
                    Json.MAPPER.createObjectNode());
            out.add(new Tool(fn.path("name").asText(), fn.path("description").asText(null), params));
        }
        return out;
    }

    /** {@code tool_choice}; null when absent (the provider's default, which is auto whenever tools are given). */
    static ToolChoice toolChoice(Params p) {
        JsonNode c = p.get("tool_choice");
        if (c == null) {
            return null;
        }
        if (c.isTextual()) {
            return switch (c.asText()) {
                case "auto" -> new Auto();
                case "none" -> new NoTools();
                case "required" -> new Required();
                default -> throw p.unsupported("tool_choice", "unknown tool_choice '" + c.asText() + "'");
            };
        }
        String name = c.path("function").path("name").asText(null);
        if (!"function".equals(c.path("type").asText()) || name == null) {
            throw p.unsupported("tool_choice", "tool_choice must be auto, none, required or a named function");
        }
        return new Named(name);
    }

    /** {@code parallel_tool_calls}: true (the default) when absent. */
    static boolean parallelToolCalls(Params p) {
        JsonNode v = p.get("parallel_tool_calls");
        return v == null || v.asBoolean(true);
    }

    // ---- response_format ----

    sealed interface ResponseFormat {
    }

    record PlainText() implements ResponseFormat {
    }

    record JsonObject() implements ResponseFormat {
    }

    record JsonSchema(String name, ObjectNode schema) implements ResponseFormat {
    }

    static ResponseFormat responseFormat(Params p) {
        JsonNode f = p.get("response_format");
        if (f == null) {
            return new PlainText();
        }
        return switch (f.path("type").asText()) {
            case "text" -> new PlainText();
            case "json_object" -> new JsonObject();
            case "json_schema" -> {
                JsonNode js = f.path("json_schema");
                if (!(js.get("schema") instanceof ObjectNode schema)) {
                    throw p.unsupported("response_format.json_schema.schema", "json_schema needs a schema object");
                }
                yield new JsonSchema(js.path("name").asText("response"), schema);
            }
            default -> throw p.unsupported("response_format.type", "unknown response_format type '"
                    + f.path("type").asText() + "'");
        };
    }

    // ---- reasoning ----

    /**
     * {@code reasoning_effort} as a thinking budget in tokens: 0 for none, null when absent. The budgets are the
     * ones Google's own OpenAI-compatible endpoint uses for Gemini (low 1024, medium 8192, high 24576); minimal is
     * the smallest budget Anthropic accepts (1024).
     */
    static Integer thinkingBudget(Params p) {
        String effort = p.text("reasoning_effort");
        if (effort == null) {
            return null;
        }
        return switch (effort) {
            case "none" -> 0;
            case "minimal", "low" -> 1024;
            case "medium" -> 8192;
            case "high" -> 24576;
            default -> throw p.unsupported("reasoning_effort", "unknown reasoning_effort '" + effort + "'");
        };
    }
}

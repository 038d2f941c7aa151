package io.aigateway.compat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aigateway.compat.Chat.AssistantMsg;
import io.aigateway.compat.Chat.Image;
import io.aigateway.compat.Chat.Msg;
import io.aigateway.compat.Chat.SystemMsg;
import io.aigateway.compat.Chat.Text;
import io.aigateway.compat.Chat.ToolCall;
import io.aigateway.compat.Chat.ToolMsg;
import io.aigateway.compat.Chat.UserMsg;
import io.aigateway.core.Json;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/** OpenAI Chat Completions to Bedrock Converse ({@code /model/{modelId}/converse}, {@code /converse-stream}) and back. */
public final class BedrockTranslator implements ChatTranslator {
    private final Clock clock;

    public BedrockTranslator(Clock clock) {
        this.clock = clock;
    }

    @Override
    public String provider() {
        return "aws-bedrock";
    }

    /** Model ids hold ':' (and ARNs '/'): percent-encoded as boto3 sends them, so SigV4 signs the same path. */
    static String modelPath(String model, String action) {
        return "/model/" + URLEncoder.encode(model, StandardCharsets.UTF_8) + "/" + action;
    }

    @Override
    public TranslatedRequest toProvider(ObjectNode openAiRequest, String model) {
        Params p = new Params(openAiRequest, provider());
        ObjectNode body = Json.MAPPER.createObjectNode();
        List<Msg> messages = Chat.messages(p);
        ArrayNode system = Json.MAPPER.createArrayNode();
        Turns turns = new Turns("content");
        boolean toolHistory = false;
        for (int i = 0; i < messages.size(); i++) {
            Msg m = messages.get(i);
            String at = "messages[" + i + "]";
            switch (m) {
                case SystemMsg s -> system.addObject().put("text", s.text());
                case UserMsg u -> {
                    ArrayNode blocks = turns.blocks("user");
                    for (int j = 0; j < u.parts().size(); j++) {
                        switch (u.parts().get(j)) {
                            case Text t -> text(blocks, t.text());
                            case Image img -> image(p, blocks, img, at + ".content[" + j + "].image_url");
                        }
                    }
                }
                case AssistantMsg a -> {
                    ArrayNode blocks = turns.blocks("assistant");
                    text(blocks, a.text());
                    for (ToolCall c : a.toolCalls()) {
                        ObjectNode use = blocks.addObject().putObject("toolUse");
                        use.put("toolUseId", c.id()).put("name", c.name());
                        use.set("input", Chat.arguments(p, c));
                        toolHistory = true;
                    }
                }
                case ToolMsg t -> {
                    ObjectNode result = turns.blocks("user").addObject().putObject("toolResult");
                    result.put("toolUseId", t.toolCallId());
                    result.putArray("content").addObject().put("text", t.content());
                    toolHistory = true;
                }
            }
        }
        body.set("messages", turns.array());
        if (!system.isEmpty()) {
            body.set("system", system);
        }

        ObjectNode inference = Json.MAPPER.createObjectNode();
        Integer max = p.maxTokens();
        p.copyNumber("temperature", inference, "temperature");
        p.copyNumber("top_p", inference, "topP");
        List<String> stop = p.stop();
        if (!stop.isEmpty()) {
            ArrayNode seq = inference.putArray("stopSequences");
            stop.forEach(seq::add);
        }
        Integer budget = Chat.thinkingBudget(p);
        if (budget != null && budget > 0) {
            // Converse has no reasoning parameter of its own; Claude takes Anthropic's thinking object through
            // additionalModelRequestFields, other models have no documented equivalent
            if (!model.contains("anthropic.")) {
                throw p.unsupported("reasoning_effort", "reasoning_effort is translated on Bedrock for Anthropic"
                        + " Claude models only");
            }
            int total = max != null ? max : budget + AnthropicTranslator.DEFAULT_MAX_TOKENS;
            int granted = Math.min(budget, total - 1);
            if (granted < 1024) {
                throw p.unsupported("reasoning_effort", "Claude's thinking needs at least 1024 tokens of budget below"
                        + " max_tokens; raise max_completion_tokens above 1024 or drop reasoning_effort");
            }
            max = total;
            body.putObject("additionalModelRequestFields").putObject("thinking").put("type", "enabled")
                    .put("budget_tokens", granted);
        }
        if (max != null) {
            inference.put("maxTokens", max);
        }
        if (!inference.isEmpty()) {
            body.set("inferenceConfig", inference);
        }
        tools(p, body, toolHistory);
        switch (Chat.responseFormat(p)) {
            case Chat.PlainText t -> {
            }
            // Converse's structured outputs: the schema goes as a JSON string; a model without them answers
            // Bedrock's own 400 (ValidationException), passed on as OpenAI's
            case Chat.JsonSchema s -> body.putObject("outputConfig").putObject("textFormat").put("type", "json_schema")
                    .putObject("structure").putObject("jsonSchema").put("name", s.name())
                    .put("schema", s.schema().toString());
            case Chat.JsonObject j -> throw p.unsupported("response_format", "Bedrock Converse has no schema-less JSON"
                    + " mode; send response_format json_schema with a schema, or ask for JSON in the prompt");
        }
        p.singleChoiceOnly();
        boolean stream = p.flag("stream");
        p.rejectUnread();
        return new TranslatedRequest(modelPath(model, stream ? "converse-stream" : "converse"), "POST",
                AnthropicTranslator.bytes(body), Map.of(), stream);
    }

    private static void tools(Params p, ObjectNode body, boolean toolHistory) {
        List<Chat.Tool> tools = Chat.tools(p);
        Chat.ToolChoice choice = Chat.toolChoice(p);
        if (!Chat.parallelToolCalls(p)) {
            throw p.unsupported("parallel_tool_calls", "Bedrock Converse cannot be told to call one tool at a time");
        }
        if (tools.isEmpty()) {
            if (choice instanceof Chat.Required || choice instanceof Chat.Named) {
                throw p.unsupported("tool_choice", "tool_choice asks for a tool but no tools are given");
            }
            return;
        }
        if (choice instanceof Chat.NoTools) {
            // Converse has no "none": leaving the tools out has the same effect, but Bedrock requires toolConfig
            // once the conversation holds toolUse or toolResult blocks
            if (toolHistory) {
                throw p.unsupported("tool_choice", "Bedrock Converse has no tool_choice none, and the tools cannot"
                        + " be left out of a conversation that already used them");
            }
            return;
        }
        ObjectNode config = body.putObject("toolConfig");
        ArrayNode specs = config.putArray("tools");
        for (Chat.Tool t : tools) {
            ObjectNode spec = specs.addObject().putObject("toolSpec").put("name", t.name());
            if (t.description() != null) {
                spec.put("description", t.description());
            }
            spec.putObject("inputSchema").set("json", t.parameters());
        }
        switch (choice) {
            case null -> {
            }
            case Chat.Auto a -> config.putObject("toolChoice").putObject("auto");
            case Chat.Required r -> config.putObject("toolChoice").putObject("any");
            case Chat.Named n -> config.putObject("toolChoice").putObject("tool").put("name", n.name());
            case Chat.NoTools n -> throw new IllegalStateException("handled above");
        }
    }

    private static void text(ArrayNode blocks, String text) {
        // Bedrock refuses blank text blocks
        if (!text.isBlank()) {
            blocks.addObject().put("text", text);
        }
    }

    private static void image(Params p, ArrayNode blocks, Image img, String at) {
        if (!img.isData()) {
            throw p.unsupported(at, "Bedrock takes image bytes only; send the image as a base64 data URL"
                    + " (data:image/png;base64,...), the gateway does not fetch URLs");
        }
        Chat.DataUrl d = Chat.dataUrl(p, img.url(), at);
        String format = switch (d.mediaType()) {
            case "image/png" -> "png";
            case "image/jpeg", "image/jpg" -> "jpeg";
            case "image/gif" -> "gif";
            case "image/webp" -> "webp";
            default -> throw p.unsupported(at, "Bedrock takes png, jpeg, gif or webp images, not " + d.mediaType());
        };
        // in Converse's JSON the bytes blob is base64, which the data URL already is
        ObjectNode image = blocks.addObject().putObject("image");
        image.put("format", format);
        image.putObject("source").put("bytes", d.base64());
    }

    // ---- answers ----

    @Override
    public ObjectNode fromProvider(JsonNode r, String requestedModel) {
        StringBuilder text = new StringBuilder();
        StringBuilder reasoning = new StringBuilder();
        List<OpenAi.OutCall> calls = new ArrayList<>();
        for (JsonNode block : r.path("output").path("message").path("content")) {
            if (block.has("text")) {
                text.append(block.get("text").asText());
            } else if (block.has("toolUse")) {
                JsonNode use = block.get("toolUse");
                calls.add(new OpenAi.OutCall(use.path("toolUseId").asText(), use.path("name").asText(),
                        use.path("input").toString()));
            } else if (block.has("reasoningContent")) {
                reasoning.append(block.get("reasoningContent").path("reasoningText").path("text").asText());
            }
        }
        ObjectNode c = OpenAi.completion(OpenAi.newId("chatcmpl-"), clock.instant().getEpochSecond(), requestedModel);
        ((ArrayNode) c.get("choices")).add(OpenAi.choice(0, text.toString(), reasoning.toString(), calls,
                finishReason(r.path("stopReason").asText(null))));
        c.set("usage", tokens(r.path("usage")).json());
        return c;
    }

    static String finishReason(String reason) {
        if (reason == null) {
            return null;
        }
        return switch (reason) {
            case "max_tokens", "model_context_window_exceeded" -> OpenAi.LENGTH;
            case "tool_use" -> OpenAi.TOOL_CALLS;
            case "guardrail_intervened", "content_filtered" -> OpenAi.CONTENT_FILTER;
            default -> OpenAi.STOP; // end_turn, stop_sequence
        };
    }

    /** inputTokens excludes cacheReadInputTokens and cacheWriteInputTokens; OpenAI's prompt_tokens includes them. */
    static OpenAi.Tokens tokens(JsonNode u) {
        long read = u.path("cacheReadInputTokens").asLong(0);
        long prompt = u.path("inputTokens").asLong(0) + read + u.path("cacheWriteInputTokens").asLong(0);
        return new OpenAi.Tokens(prompt, u.path("outputTokens").asLong(0), read, 0);
    }

    @Override
    public OpenAiError mapError(int status, JsonNode body) {
        // 424 is ModelErrorException: the model failed, which an OpenAI client knows as a server error
        return OpenAi.error(status == 424 ? 502 : status, body);
    }

    /** Mid-stream exceptions of ConverseStream, by their :exception-type, with the status Bedrock gives them. */
    static int exceptionStatus(String name) {
        return switch (name) {
            case "throttlingException" -> 429;
            case "validationException" -> 400;
            case "serviceUnavailableException" -> 503;
            case "modelStreamErrorException" -> 424;
            default -> 500;
        };
    }

    @Override
    public StreamTranslator stream(ObjectNode openAiRequest, String requestedModel) {
        return new Stream(new Chunks(openAiRequest, requestedModel, clock));
    }

    /**
     * ConverseStream events by {@code :event-type}. messageStop (with the stop reason) comes before metadata (with
     * usage), so the finish chunk goes out at messageStop and the usage chunk at metadata.
     */
    private final class Stream implements StreamTranslator {
        private final Chunks out;
        private final Map<Integer, Integer> toolIndex = new HashMap<>();

        Stream(Chunks out) {
            this.out = out;
        }

        @Override
        public List<ObjectNode> onEvent(String eventName, JsonNode data) {
            String type = eventName;
            if (type == null && data.size() == 1) {
                // some decoders hand over the union form: {"contentBlockDelta": {...}}
                Iterator<String> names = data.fieldNames();
                type = names.next();
                data = data.get(type);
            }
            List<ObjectNode> chunks = new ArrayList<>(1);
            if (type == null) {
                return chunks;
            }
            switch (type) {
                case "messageStart" -> chunks.add(out.start(0));
                case "contentBlockStart" -> {
                    JsonNode use = data.path("start").path("toolUse");
                    if (!use.isMissingNode()) {
                        int index = toolIndex.size();
                        toolIndex.put(data.path("contentBlockIndex").asInt(), index);
                        chunks.add(out.toolStart(0, index, use.path("toolUseId").asText(), use.path("name").asText(), ""));
                    }
                }
                case "contentBlockDelta" -> {
                    JsonNode delta = data.path("delta");
                    if (delta.has("text")) {
                        chunks.add(out.content(0, delta.get("text").asText()));
                    } else if (delta.has("toolUse")) {
                        Integer index = toolIndex.get(data.path("contentBlockIndex").asInt());
                        String part = delta.get("toolUse").path("input").asText();
                        if (index != null && !part.isEmpty()) {
                            chunks.add(out.toolArguments(0, index, part));
                        }
                    } else if (delta.path("reasoningContent").has("text")) {
                        chunks.add(out.reasoning(0, delta.get("reasoningContent").get("text").asText()));
                    }
                }
                case "messageStop" -> chunks.add(out.finish(0, finishReason(data.path("stopReason").asText("end_turn"))));
                case "metadata" -> {
                    out.usage(tokens(data.path("usage")));
                    out.usageChunk().ifPresent(chunks::add);
                }
                case "contentBlockStop" -> {
                }
                default -> {
                    if (type.endsWith("Exception")) {
                        chunks.add(Chunks.error(mapError(exceptionStatus(type), data)));
                    }
                }
            }
            return chunks;
        }

        @Override
        public List<ObjectNode> onEnd() {
            List<ObjectNode> chunks = new ArrayList<>(1);
            out.usageChunk().ifPresent(chunks::add);
            return chunks;
        }
    }
}

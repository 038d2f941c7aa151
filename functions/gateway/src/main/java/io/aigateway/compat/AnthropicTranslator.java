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

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** OpenAI Chat Completions to Anthropic Messages ({@code POST /v1/messages}) and back. */
public final class AnthropicTranslator implements ChatTranslator {
    static final String VERSION = "2023-06-01";
    /**
     * Anthropic requires max_tokens; OpenAI does not. 4096 is the largest value every Claude model accepts (Claude 3
     * Haiku's output limit), so a request without one works on any model.
     */
    static final int DEFAULT_MAX_TOKENS = 4096;

    private final Clock clock;

    public AnthropicTranslator(Clock clock) {
        this.clock = clock;
    }

    @Override
    public String provider() {
        return "anthropic";
    }

    @Override
    public TranslatedRequest toProvider(ObjectNode openAiRequest, String model) {
        Params p = new Params(openAiRequest, provider());
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("model", model);

        List<Msg> messages = Chat.messages(p);
        ArrayNode system = Json.MAPPER.createArrayNode();
        Turns turns = new Turns("content");
        for (int i = 0; i < messages.size(); i++) {
            Msg m = messages.get(i);
            String at = "messages[" + i + "]";
            switch (m) {
                // Anthropic has one top-level system prompt: system messages anywhere are gathered there, in order
                case SystemMsg s -> system.addObject().put("type", "text").put("text", s.text());
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
                        ObjectNode use = blocks.addObject();
                        use.put("type", "tool_use").put("id", c.id()).put("name", c.name());
                        use.set("input", Chat.arguments(p, c));
                    }
                }
                case ToolMsg t -> turns.blocks("user").addObject().put("type", "tool_result")
                        .put("tool_use_id", t.toolCallId()).put("content", t.content());
            }
        }
        if (!system.isEmpty()) {
            body.set("system", system);
        }
        body.set("messages", turns.array());

        Integer maxTokens = p.maxTokens();
        Integer budget = Chat.thinkingBudget(p);
        if (budget != null && budget > 0) {
            // OpenAI's max_completion_tokens counts reasoning too, like Anthropic's max_tokens; budget_tokens must
            // stay below it, and Anthropic refuses budgets under 1024
            int max = maxTokens != null ? maxTokens : budget + DEFAULT_MAX_TOKENS;
            int granted = Math.min(budget, max - 1);
            if (granted < 1024) {
                throw p.unsupported("reasoning_effort", "Anthropic's thinking needs at least 1024 tokens of budget"
                        + " below max_tokens; raise max_completion_tokens above 1024 or drop reasoning_effort");
            }
            body.put("max_tokens", max);
            body.putObject("thinking").put("type", "enabled").put("budget_tokens", granted);
        } else {
            body.put("max_tokens", maxTokens != null ? maxTokens : DEFAULT_MAX_TOKENS);
        }

        Double temperature = p.number("temperature");
        if (temperature != null) {
            if (temperature > 1) {
                throw p.unsupported("temperature", "Anthropic's temperature ranges 0 to 1; got " + temperature);
            }
            body.put("temperature", temperature);
        }
        p.copyNumber("top_p", body, "top_p");
        List<String> stop = p.stop();
        if (!stop.isEmpty()) {
            ArrayNode seq = body.putArray("stop_sequences");
            stop.forEach(seq::add);
        }
        tools(p, body);
        switch (Chat.responseFormat(p)) {
            case Chat.PlainText t -> {
            }
            // structured outputs (GA; output_config replaced the beta's output_format): the answer's text is JSON
            // valid against the schema; a model without them answers Anthropic's own 400, passed on as OpenAI's
            case Chat.JsonSchema s -> body.putObject("output_config").putObject("format").put("type", "json_schema")
                    .set("schema", s.schema());
            case Chat.JsonObject j -> throw p.unsupported("response_format", "Anthropic has no schema-less JSON mode;"
                    + " send response_format json_schema with a schema, or ask for JSON in the prompt");
        }
        p.singleChoiceOnly();
        JsonNode user = p.get("user");
        if (user != null && user.isTextual()) {
            body.putObject("metadata").put("user_id", user.asText());
        }
        boolean stream = p.flag("stream");
        if (stream) {
            body.put("stream", true);
        }
        p.rejectUnread();
        return new TranslatedRequest("/v1/messages", "POST", bytes(body), Map.of("anthropic-version", VERSION), stream);
    }

    private static void tools(Params p, ObjectNode body) {
        List<Chat.Tool> tools = Chat.tools(p);
        Chat.ToolChoice choice = Chat.toolChoice(p);
        boolean parallel = Chat.parallelToolCalls(p);
        if (tools.isEmpty()) {
            if (choice instanceof Chat.Required || choice instanceof Chat.Named) {
                throw p.unsupported("tool_choice", "tool_choice asks for a tool but no tools are given");
            }
            return;
        }
        ArrayNode out = body.putArray("tools");
        for (Chat.Tool t : tools) {
            ObjectNode tool = out.addObject().put("name", t.name());
            if (t.description() != null) {
                tool.put("description", t.description());
            }
            tool.set("input_schema", t.parameters());
        }
        ObjectNode tc = Json.MAPPER.createObjectNode();
        switch (choice) {
            case null -> tc.put("type", "auto");
            case Chat.Auto a -> tc.put("type", "auto");
            case Chat.NoTools n -> tc.put("type", "none");
            case Chat.Required r -> tc.put("type", "any");
            case Chat.Named n -> tc.put("type", "tool").put("name", n.name());
        }
        if (!parallel && !"none".equals(tc.path("type").asText())) {
            tc.put("disable_parallel_tool_use", true);
        }
        if (choice != null || !parallel) {
            body.set("tool_choice", tc);
        }
    }

    private static void text(ArrayNode blocks, String text) {
        // Anthropic refuses empty text blocks
        if (!text.isEmpty()) {
            blocks.addObject().put("type", "text").put("text", text);
        }
    }

    private static void image(Params p, ArrayNode blocks, Image img, String at) {
        ObjectNode source = Json.MAPPER.createObjectNode();
        if (img.isData()) {
            Chat.DataUrl d = Chat.dataUrl(p, img.url(), at);
            source.put("type", "base64").put("media_type", d.mediaType()).put("data", d.base64());
        } else {
            source.put("type", "url").put("url", img.url());
        }
        blocks.addObject().put("type", "image").set("source", source);
    }

    static byte[] bytes(JsonNode body) {
        return body.toString().getBytes(StandardCharsets.UTF_8);
    }

    // ---- answers ----

    @Override
    public ObjectNode fromProvider(JsonNode r, String requestedModel) {
        StringBuilder text = new StringBuilder();
        StringBuilder reasoning = new StringBuilder();
        List<OpenAi.OutCall> calls = new ArrayList<>();
        for (JsonNode block : r.path("content")) {
            switch (block.path("type").asText()) {
                case "text" -> text.append(block.path("text").asText());
                case "thinking" -> reasoning.append(block.path("thinking").asText());
                case "tool_use" -> calls.add(new OpenAi.OutCall(block.path("id").asText(), block.path("name").asText(),
                        block.path("input").toString()));
                default -> {
                    // redacted_thinking, server tool blocks: nothing an OpenAI client can use
                }
            }
        }
        ObjectNode c = OpenAi.completion(r.path("id").asText(OpenAi.newId("chatcmpl-")),
                clock.instant().getEpochSecond(), requestedModel);
        ((ArrayNode) c.get("choices")).add(OpenAi.choice(0, text.toString(), reasoning.toString(), calls,
                finishReason(r.path("stop_reason").asText(null))));
        c.set("usage", tokens(r.path("usage")).json());
        return c;
    }

    static String finishReason(String stopReason) {
        if (stopReason == null) {
            return null;
        }
        return switch (stopReason) {
            case "max_tokens", "model_context_window_exceeded" -> OpenAi.LENGTH;
            case "tool_use" -> OpenAi.TOOL_CALLS;
            case "refusal" -> OpenAi.CONTENT_FILTER;
            default -> OpenAi.STOP; // end_turn, stop_sequence, pause_turn
        };
    }

    /** Anthropic's input_tokens excludes cache reads and writes; OpenAI's prompt_tokens includes them. */
    static OpenAi.Tokens tokens(JsonNode u) {
        long read = u.path("cache_read_input_tokens").asLong(0);
        long prompt = u.path("input_tokens").asLong(0) + read + u.path("cache_creation_input_tokens").asLong(0);
        return new OpenAi.Tokens(prompt, u.path("output_tokens").asLong(0), read, 0);
    }

    @Override
    public OpenAiError mapError(int status, JsonNode body) {
        // overloaded_error may come with 529 or (mid-stream) with no status at all
        if ("overloaded_error".equals(body == null ? null : body.path("error").path("type").asText())) {
            return OpenAi.error(529, body);
        }
        return OpenAi.error(status, body);
    }

    @Override
    public StreamTranslator stream(ObjectNode openAiRequest, String requestedModel) {
        return new Stream(new Chunks(openAiRequest, requestedModel, clock));
    }

    /** Anthropic's SSE events to chunks. */
    private final class Stream implements StreamTranslator {
        private final Chunks out;
        /** Content block index to OpenAI tool-call index. */
        private final Map<Integer, Integer> toolIndex = new HashMap<>();
        private String stopReason;

        Stream(Chunks out) {
            this.out = out;
        }

        @Override
        public List<ObjectNode> onEvent(String eventName, JsonNode data) {
            String type = eventName != null ? eventName : data.path("type").asText();
            List<ObjectNode> chunks = new ArrayList<>(1);
            switch (type) {
                case "message_start" -> {
                    JsonNode message = data.path("message");
                    out.id(message.path("id").asText(null));
                    out.usage(tokens(message.path("usage")));
                    chunks.add(out.start(0));
                }
                case "content_block_start" -> {
                    JsonNode block = data.path("content_block");
                    if ("tool_use".equals(block.path("type").asText())) {
                        int index = toolIndex.size();
                        toolIndex.put(data.path("index").asInt(), index);
                        chunks.add(out.toolStart(0, index, block.path("id").asText(), block.path("name").asText(), ""));
                    } else if ("text".equals(block.path("type").asText()) && !block.path("text").asText().isEmpty()) {
                        chunks.add(out.content(0, block.path("text").asText()));
                    }
                }
                case "content_block_delta" -> {
                    JsonNode delta = data.path("delta");
                    switch (delta.path("type").asText()) {
                        case "text_delta" -> chunks.add(out.content(0, delta.path("text").asText()));
                        case "thinking_delta" -> chunks.add(out.reasoning(0, delta.path("thinking").asText()));
                        case "input_json_delta" -> {
                            Integer index = toolIndex.get(data.path("index").asInt());
                            String part = delta.path("partial_json").asText();
                            if (index != null && !part.isEmpty()) {
                                chunks.add(out.toolArguments(0, index, part));
                            }
                        }
                        default -> {
                            // signature_delta, citations_delta: nothing for an OpenAI client
                        }
                    }
                }
                case "message_delta" -> {
                    JsonNode usage = data.path("usage");
                    // output_tokens here is cumulative; newer streams repeat the input counts too
                    out.usage(tokens(usage));
                    stopReason = data.path("delta").path("stop_reason").asText(null);
                    if (stopReason != null) {
                        chunks.add(out.finish(0, finishReason(stopReason)));
                    }
                }
                case "message_stop" -> out.usageChunk().ifPresent(chunks::add);
                case "error" -> chunks.add(Chunks.error(mapError(0, data)));
                default -> {
                    // ping, and event types added later
                }
            }
            return chunks;
        }

        @Override
        public List<ObjectNode> onEnd() {
            // a stream cut before message_delta gets no invented finish_reason: the client should see it ended early
            List<ObjectNode> chunks = new ArrayList<>(1);
            out.usageChunk().ifPresent(chunks::add);
            return chunks;
        }
    }
}

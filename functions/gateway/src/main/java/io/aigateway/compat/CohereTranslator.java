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

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** OpenAI Chat Completions to Cohere's v2 Chat ({@code POST /v2/chat}) and back. */
public final class CohereTranslator implements ChatTranslator {
    private final Clock clock;

    public CohereTranslator(Clock clock) {
        this.clock = clock;
    }

    @Override
    public String provider() {
        return "cohere";
    }

    @Override
    public TranslatedRequest toProvider(ObjectNode openAiRequest, String model) {
        Params p = new Params(openAiRequest, provider());
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("model", model);
        ArrayNode out = body.putArray("messages");
        // v2 messages are close to OpenAI's: system messages stay where they are
        for (Msg m : Chat.messages(p)) {
            switch (m) {
                case SystemMsg s -> out.addObject().put("role", "system").put("content", s.text());
                case UserMsg u -> {
                    ObjectNode msg = out.addObject().put("role", "user");
                    if (u.parts().size() == 1 && u.parts().get(0) instanceof Text t) {
                        msg.put("content", t.text());
                    } else {
                        ArrayNode parts = msg.putArray("content");
                        for (Chat.Part part : u.parts()) {
                            switch (part) {
                                case Text t -> parts.addObject().put("type", "text").put("text", t.text());
                                case Image img -> parts.addObject().put("type", "image_url").putObject("image_url")
                                        .put("url", img.url());
                            }
                        }
                    }
                }
                case AssistantMsg a -> {
                    ObjectNode msg = out.addObject().put("role", "assistant");
                    if (!a.text().isEmpty()) {
                        msg.put("content", a.text());
                    }
                    if (!a.toolCalls().isEmpty()) {
                        ArrayNode calls = msg.putArray("tool_calls");
                        for (ToolCall c : a.toolCalls()) {
                            ObjectNode call = calls.addObject().put("id", c.id()).put("type", "function");
                            call.putObject("function").put("name", c.name()).put("arguments", c.arguments());
                        }
                    }
                }
                case ToolMsg t -> out.addObject().put("role", "tool").put("tool_call_id", t.toolCallId())
                        .put("content", t.content());
            }
        }
        tools(p, body);
        Integer max = p.maxTokens();
        if (max != null) {
            body.put("max_tokens", max);
        }
        p.copyNumber("temperature", body, "temperature");
        p.copyNumber("top_p", body, "p");
        List<String> stop = p.stop();
        if (!stop.isEmpty()) {
            ArrayNode seq = body.putArray("stop_sequences");
            stop.forEach(seq::add);
        }
        p.copyInteger("seed", body, "seed");
        p.copyNonZero("frequency_penalty", body, "frequency_penalty");
        p.copyNonZero("presence_penalty", body, "presence_penalty");
        switch (Chat.responseFormat(p)) {
            case Chat.PlainText t -> {
            }
            case Chat.JsonObject j -> body.putObject("response_format").put("type", "json_object");
            case Chat.JsonSchema s -> body.putObject("response_format").put("type", "json_object")
                    .set("json_schema", s.schema());
        }
        Integer budget = Chat.thinkingBudget(p);
        if (budget != null) {
            ObjectNode thinking = body.putObject("thinking");
            if (budget == 0) {
                thinking.put("type", "disabled");
            } else {
                thinking.put("type", "enabled").put("token_budget", budget);
            }
        }
        p.singleChoiceOnly();
        boolean stream = p.flag("stream");
        if (stream) {
            body.put("stream", true);
        }
        p.rejectUnread();
        return new TranslatedRequest("/v2/chat", "POST", AnthropicTranslator.bytes(body), Map.of(), stream);
    }

    private static void tools(Params p, ObjectNode body) {
        List<Chat.Tool> tools = Chat.tools(p);
        Chat.ToolChoice choice = Chat.toolChoice(p);
        if (!Chat.parallelToolCalls(p)) {
            throw p.unsupported("parallel_tool_calls", "Cohere cannot be told to call one tool at a time");
        }
        if (tools.isEmpty()) {
            if (choice instanceof Chat.Required || choice instanceof Chat.Named) {
                throw p.unsupported("tool_choice", "tool_choice asks for a tool but no tools are given");
            }
            return;
        }
        ArrayNode out = body.putArray("tools");
        for (Chat.Tool t : tools) {
            // Cohere has no named tool_choice: offering only that tool, with REQUIRED, forces exactly it
            if (choice instanceof Chat.Named n && !n.name().equals(t.name())) {
                continue;
            }
            ObjectNode fn = out.addObject().put("type", "function").putObject("function").put("name", t.name());
            if (t.description() != null) {
                fn.put("description", t.description());
            }
            fn.set("parameters", t.parameters());
        }
        switch (choice) {
            case null -> {
            }
            case Chat.Auto a -> {
                // Cohere's default when tool_choice is absent
            }
            case Chat.NoTools n -> body.put("tool_choice", "NONE");
            case Chat.Required r -> body.put("tool_choice", "REQUIRED");
            case Chat.Named n -> {
                if (out.isEmpty()) {
                    throw p.unsupported("tool_choice", "tool_choice names " + n.name() + ", which is not in tools");
                }
                body.put("tool_choice", "REQUIRED");
            }
        }
    }

    // ---- answers ----

    @Override
    public ObjectNode fromProvider(JsonNode r, String requestedModel) {
        JsonNode message = r.path("message");
        StringBuilder text = new StringBuilder();
        StringBuilder thinking = new StringBuilder();
        for (JsonNode block : message.path("content")) {
            if ("thinking".equals(block.path("type").asText())) {
                thinking.append(block.path("thinking").asText());
            } else {
                text.append(block.path("text").asText());
            }
        }
        List<OpenAi.OutCall> calls = new ArrayList<>();
        for (JsonNode call : message.path("tool_calls")) {
            calls.add(new OpenAi.OutCall(call.path("id").asText(), call.path("function").path("name").asText(),
                    call.path("function").path("arguments").asText("{}")));
        }
        ObjectNode c = OpenAi.completion(r.path("id").asText(OpenAi.newId("chatcmpl-")),
                clock.instant().getEpochSecond(), requestedModel);
        ((ArrayNode) c.get("choices")).add(OpenAi.choice(0, text.toString(), thinking.toString(), calls,
                finishReason(r.path("finish_reason").asText(null))));
        c.set("usage", tokens(r.path("usage")).json());
        return c;
    }

    /** ERROR and TIMEOUT have no OpenAI counterpart: the answer stopped, so stop. */
    static String finishReason(String reason) {
        if (reason == null) {
            return null;
        }
        return switch (reason) {
            case "MAX_TOKENS" -> OpenAi.LENGTH;
            case "TOOL_CALL" -> OpenAi.TOOL_CALLS;
            default -> OpenAi.STOP; // COMPLETE, STOP_SEQUENCE, ERROR, TIMEOUT
        };
    }

    /** {@code tokens} are what the model processed; {@code billed_units} (fewer: no template tokens) the fallback. */
    static OpenAi.Tokens tokens(JsonNode u) {
        JsonNode counts = u.has("tokens") ? u.get("tokens") : u.path("billed_units");
        return new OpenAi.Tokens(counts.path("input_tokens").asLong(0), counts.path("output_tokens").asLong(0),
                u.path("cached_tokens").asLong(0), 0);
    }

    @Override
    public OpenAiError mapError(int status, JsonNode body) {
        return OpenAi.error(status, body);
    }

    @Override
    public StreamTranslator stream(ObjectNode openAiRequest, String requestedModel) {
        return new Stream(new Chunks(openAiRequest, requestedModel, clock));
    }

    /** Cohere's v2 stream events (named in {@code event:} and in the data's {@code type}). */
    private final class Stream implements StreamTranslator {
        private final Chunks out;
        private int tools;

        Stream(Chunks out) {
            this.out = out;
        }

        @Override
        public List<ObjectNode> onEvent(String eventName, JsonNode data) {
            String type = eventName != null ? eventName : data.path("type").asText();
            JsonNode message = data.path("delta").path("message");
            List<ObjectNode> chunks = new ArrayList<>(1);
            switch (type) {
                case "message-start" -> {
                    out.id(data.path("id").asText(null));
                    chunks.add(out.start(0));
                }
                case "content-delta" -> {
                    JsonNode content = message.path("content");
                    if (content.has("thinking")) {
                        chunks.add(out.reasoning(0, content.get("thinking").asText()));
                    } else if (content.has("text")) {
                        chunks.add(out.content(0, content.get("text").asText()));
                    }
                }
                case "tool-call-start" -> {
                    JsonNode call = message.path("tool_calls");
                    chunks.add(out.toolStart(0, tools++, call.path("id").asText(),
                            call.path("function").path("name").asText(),
                            call.path("function").path("arguments").asText("")));
                }
                case "tool-call-delta" -> {
                    String part = message.path("tool_calls").path("function").path("arguments").asText("");
                    if (tools > 0 && !part.isEmpty()) {
                        chunks.add(out.toolArguments(0, tools - 1, part));
                    }
                }
                case "message-end" -> {
                    JsonNode delta = data.path("delta");
                    if (delta.hasNonNull("error")) {
                        chunks.add(Chunks.error(OpenAi.build(500, delta.get("error").asText(), "server_error", null)));
                        return chunks;
                    }
                    out.usage(tokens(delta.path("usage")));
                    chunks.add(out.finish(0, finishReason(delta.path("finish_reason").asText("COMPLETE"))));
                    out.usageChunk().ifPresent(chunks::add);
                }
                default -> {
                    // content-start/end, tool-plan-delta, tool-call-end, citation events
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

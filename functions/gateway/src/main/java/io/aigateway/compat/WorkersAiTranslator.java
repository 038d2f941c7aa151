package io.aigateway.compat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aigateway.compat.Chat.AssistantMsg;
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

/**
 * OpenAI Chat Completions to Workers AI text generation ({@code POST /ai/run/{model}}, the registry's base) and
 * back. Workers AI's OpenAI-compatible endpoint lives at {@code /ai/v1}, outside that base, so the native run API
 * is used: its {@code messages} are OpenAI's (text only), its answer is {@code result.response}.
 */
public final class WorkersAiTranslator implements ChatTranslator {
    private final Clock clock;

    public WorkersAiTranslator(Clock clock) {
        this.clock = clock;
    }

    @Override
    public String provider() {
        return "workers-ai";
    }

    @Override
    public TranslatedRequest toProvider(ObjectNode openAiRequest, String model) {
        Params p = new Params(openAiRequest, provider());
        ObjectNode body = Json.MAPPER.createObjectNode();
        ArrayNode out = body.putArray("messages");
        List<Msg> messages = Chat.messages(p);
        for (int i = 0; i < messages.size(); i++) {
            switch (messages.get(i)) {
                case SystemMsg s -> out.addObject().put("role", "system").put("content", s.text());
                case UserMsg u -> {
                    StringBuilder text = new StringBuilder();
                    for (Chat.Part part : u.parts()) {
                        if (!(part instanceof Text t)) {
                            throw p.unsupported("messages[" + i + "].content", "Workers AI chat messages take text"
                                    + " only; vision models take images through their own image input");
                        }
                        text.append(t.text());
                    }
                    out.addObject().put("role", "user").put("content", text.toString());
                }
                case AssistantMsg a -> {
                    ObjectNode msg = out.addObject().put("role", "assistant").put("content", a.text());
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
        List<Chat.Tool> tools = Chat.tools(p);
        if (!tools.isEmpty()) {
            ArrayNode defs = body.putArray("tools");
            for (Chat.Tool t : tools) {
                ObjectNode fn = defs.addObject().put("type", "function").putObject("function").put("name", t.name());
                if (t.description() != null) {
                    fn.put("description", t.description());
                }
                fn.set("parameters", t.parameters());
            }
        }
        Chat.ToolChoice choice = Chat.toolChoice(p);
        if (choice != null && !(choice instanceof Chat.Auto)) {
            throw p.unsupported("tool_choice", "Workers AI has no tool_choice; only auto is accepted");
        }
        if (!Chat.parallelToolCalls(p)) {
            throw p.unsupported("parallel_tool_calls", "Workers AI cannot be told to call one tool at a time");
        }
        Integer max = p.maxTokens();
        if (max != null) {
            body.put("max_tokens", max);
        }
        p.copyNumber("temperature", body, "temperature");
        p.copyNumber("top_p", body, "top_p");
        p.copyInteger("seed", body, "seed");
        p.copyNonZero("frequency_penalty", body, "frequency_penalty");
        p.copyNonZero("presence_penalty", body, "presence_penalty");
        switch (Chat.responseFormat(p)) {
            case Chat.PlainText t -> {
            }
            case Chat.JsonObject j -> body.putObject("response_format").put("type", "json_object");
            case Chat.JsonSchema s -> body.putObject("response_format").put("type", "json_schema")
                    .set("json_schema", s.schema());
        }
        p.singleChoiceOnly();
        boolean stream = p.flag("stream");
        if (stream) {
            body.put("stream", true);
        }
        p.rejectUnread();
        String path = "/" + (model.startsWith("@") ? model : "@cf/" + model);
        return new TranslatedRequest(path, "POST", AnthropicTranslator.bytes(body), Map.of(), stream);
    }

    @Override
    public ObjectNode fromProvider(JsonNode r, String requestedModel) {
        JsonNode result = r.has("result") ? r.get("result") : r;
        ObjectNode c = OpenAi.completion(OpenAi.newId("chatcmpl-"), clock.instant().getEpochSecond(), requestedModel);
        if (result.has("choices")) {
            // newer models answer in OpenAI's shape already
            ObjectNode copy = (ObjectNode) result.deepCopy();
            copy.put("model", requestedModel);
            return copy;
        }
        JsonNode response = result.path("response");
        // in JSON mode some models hand back the parsed object rather than its text
        String text = response.isTextual() ? response.asText() : response.isMissingNode() || response.isNull() ? ""
                : response.toString();
        List<OpenAi.OutCall> calls = new ArrayList<>();
        for (JsonNode call : result.path("tool_calls")) {
            JsonNode fn = call.has("function") ? call.get("function") : call;
            JsonNode args = fn.path("arguments");
            calls.add(new OpenAi.OutCall(call.path("id").asText(OpenAi.newId("call_")), fn.path("name").asText(),
                    args.isTextual() ? args.asText() : args.isMissingNode() ? "{}" : args.toString()));
        }
        ((ArrayNode) c.get("choices")).add(OpenAi.choice(0, text, null, calls,
                calls.isEmpty() ? OpenAi.STOP : OpenAi.TOOL_CALLS));
        c.set("usage", tokens(result.path("usage")).json());
        return c;
    }

    static OpenAi.Tokens tokens(JsonNode u) {
        return new OpenAi.Tokens(u.path("prompt_tokens").asLong(0), u.path("completion_tokens").asLong(0),
                u.path("prompt_tokens_details").path("cached_tokens").asLong(0), 0);
    }

    /** Workers AI errors: {@code {"errors":[{"message","code"}],"success":false}}. */
    @Override
    public OpenAiError mapError(int status, JsonNode body) {
        return OpenAi.error(status, body);
    }

    @Override
    public StreamTranslator stream(ObjectNode openAiRequest, String requestedModel) {
        return new Stream(new Chunks(openAiRequest, requestedModel, clock));
    }

    /**
     * SSE data {@code {"response":"..."}}, usage on the last one, then a literal {@code [DONE]}. Workers AI sends no
     * finish reason, so the finish chunk goes out when the stream ends.
     */
    private final class Stream implements StreamTranslator {
        private final Chunks out;
        private int tools;

        Stream(Chunks out) {
            this.out = out;
        }

        @Override
        public List<ObjectNode> onEvent(String eventName, JsonNode data) {
            List<ObjectNode> chunks = new ArrayList<>(1);
            if (data == null || !data.isObject()) {
                return chunks;
            }
            if (data.has("usage")) {
                out.usage(tokens(data.get("usage")));
            }
            JsonNode text = data.path("response");
            if (text.isTextual() && !text.asText().isEmpty()) {
                chunks.add(out.content(0, text.asText()));
            }
            for (JsonNode call : data.path("tool_calls")) {
                JsonNode fn = call.has("function") ? call.get("function") : call;
                JsonNode args = fn.path("arguments");
                chunks.add(out.toolStart(0, tools++, call.path("id").asText(OpenAi.newId("call_")),
                        fn.path("name").asText(), args.isTextual() ? args.asText() : args.isMissingNode() ? "{}"
                                : args.toString()));
            }
            return chunks;
        }

        @Override
        public List<ObjectNode> onEnd() {
            List<ObjectNode> chunks = new ArrayList<>(2);
            chunks.add(out.finish(0, tools > 0 ? OpenAi.TOOL_CALLS : OpenAi.STOP));
            out.usageChunk().ifPresent(chunks::add);
            return chunks;
        }
    }
}

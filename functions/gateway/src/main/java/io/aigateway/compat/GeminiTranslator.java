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

import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * OpenAI Chat Completions to Gemini {@code generateContent} / {@code streamGenerateContent?alt=sse} and back, for
 * Google AI Studio and Vertex AI (same body, different path).
 */
public final class GeminiTranslator implements ChatTranslator {
    static final String AI_STUDIO = "google-ai-studio";
    static final String VERTEX = "google-vertex-ai";

    private final String provider;
    private final Clock clock;

    /** @param provider {@code google-ai-studio} or {@code google-vertex-ai} */
    public GeminiTranslator(String provider, Clock clock) {
        if (!AI_STUDIO.equals(provider) && !VERTEX.equals(provider)) {
            throw new IllegalArgumentException("not a Gemini provider: " + provider);
        }
        this.provider = provider;
        this.clock = clock;
    }

    @Override
    public String provider() {
        return provider;
    }

    /**
     * AI Studio: {@code /v1beta/models/{model}:action}. Vertex: the publisher model under {@code {project}} and
     * {@code {location}}, placeholders the pipeline fills from the route, as the provider registry's Vertex base
     * takes the location from the path.
     */
    String path(String model, String action) {
        String m = model.startsWith("models/") ? model.substring("models/".length()) : model;
        return VERTEX.equals(provider)
                ? "/v1/projects/{project}/locations/{location}/publishers/google/models/" + m + ":" + action
                : "/v1beta/models/" + m + ":" + action;
    }

    @Override
    public TranslatedRequest toProvider(ObjectNode openAiRequest, String model) {
        Params p = new Params(openAiRequest, provider);
        ObjectNode body = Json.MAPPER.createObjectNode();
        List<Msg> messages = Chat.messages(p);
        ArrayNode system = Json.MAPPER.createArrayNode();
        Turns turns = new Turns("parts");
        for (int i = 0; i < messages.size(); i++) {
            Msg m = messages.get(i);
            String at = "messages[" + i + "]";
            switch (m) {
                case SystemMsg s -> system.addObject().put("text", s.text());
                case UserMsg u -> {
                    ArrayNode parts = turns.blocks("user");
                    for (int j = 0; j < u.parts().size(); j++) {
                        switch (u.parts().get(j)) {
                            case Text t -> parts.addObject().put("text", t.text());
                            case Image img -> image(p, parts, img, at + ".content[" + j + "].image_url");
                        }
                    }
                }
                case AssistantMsg a -> {
                    ArrayNode parts = turns.blocks("model");
                    if (!a.text().isEmpty()) {
                        parts.addObject().put("text", a.text());
                    }
                    for (ToolCall c : a.toolCalls()) {
                        ObjectNode call = parts.addObject().putObject("functionCall");
                        call.put("name", c.name());
                        call.set("args", Chat.arguments(p, c));
                    }
                }
                case ToolMsg t -> {
                    // Gemini answers a call by function name, which OpenAI's tool message does not repeat
                    ObjectNode response = turns.blocks("user").addObject().putObject("functionResponse");
                    response.put("name", Chat.toolName(p, messages, i, t.toolCallId()));
                    response.set("response", toolResponse(t.content()));
                }
            }
        }
        if (!system.isEmpty()) {
            body.putObject("systemInstruction").set("parts", system);
        }
        body.set("contents", turns.array());
        tools(p, body);

        ObjectNode config = Json.MAPPER.createObjectNode();
        p.copyNumber("temperature", config, "temperature");
        p.copyNumber("top_p", config, "topP");
        Integer max = p.maxTokens();
        if (max != null) {
            config.put("maxOutputTokens", max);
        }
        List<String> stop = p.stop();
        if (!stop.isEmpty()) {
            ArrayNode seq = config.putArray("stopSequences");
            stop.forEach(seq::add);
        }
        Integer n = p.integer("n");
        if (n != null && n != 1) {
            config.put("candidateCount", n);
        }
        p.copyInteger("seed", config, "seed");
        p.copyNonZero("presence_penalty", config, "presencePenalty");
        p.copyNonZero("frequency_penalty", config, "frequencyPenalty");
        switch (Chat.responseFormat(p)) {
            case Chat.PlainText t -> {
            }
            case Chat.JsonObject j -> config.put("responseMimeType", "application/json");
            case Chat.JsonSchema s -> {
                config.put("responseMimeType", "application/json");
                config.set("responseSchema", GeminiSchema.convert(p, s.schema(), "response_format.json_schema.schema"));
            }
        }
        Integer budget = Chat.thinkingBudget(p);
        if (budget != null) {
            config.putObject("thinkingConfig").put("thinkingBudget", budget);
        }
        if (!config.isEmpty()) {
            body.set("generationConfig", config);
        }
        boolean stream = p.flag("stream");
        p.rejectUnread();
        String path = stream ? path(model, "streamGenerateContent") + "?alt=sse" : path(model, "generateContent");
        return new TranslatedRequest(path, "POST", AnthropicTranslator.bytes(body), Map.of(), stream);
    }

    private static void tools(Params p, ObjectNode body) {
        List<Chat.Tool> tools = Chat.tools(p);
        Chat.ToolChoice choice = Chat.toolChoice(p);
        if (!Chat.parallelToolCalls(p)) {
            throw p.unsupported("parallel_tool_calls", "Gemini cannot be told to call one tool at a time");
        }
        if (tools.isEmpty()) {
            if (choice instanceof Chat.Required || choice instanceof Chat.Named) {
                throw p.unsupported("tool_choice", "tool_choice asks for a tool but no tools are given");
            }
            return;
        }
        ArrayNode declarations = body.putArray("tools").addObject().putArray("functionDeclarations");
        for (int i = 0; i < tools.size(); i++) {
            Chat.Tool t = tools.get(i);
            ObjectNode d = declarations.addObject().put("name", t.name());
            if (t.description() != null) {
                d.put("description", t.description());
            }
            // Gemini refuses an object schema without properties: a function without parameters has none
            if (t.parameters().path("properties").size() > 0) {
                d.set("parameters", GeminiSchema.convert(p, t.parameters(), "tools[" + i + "].function.parameters"));
            }
        }
        if (choice != null) {
            ObjectNode fc = body.putObject("toolConfig").putObject("functionCallingConfig");
            switch (choice) {
                case Chat.Auto a -> fc.put("mode", "AUTO");
                case Chat.NoTools none -> fc.put("mode", "NONE");
                case Chat.Required r -> fc.put("mode", "ANY");
                case Chat.Named named -> {
                    fc.put("mode", "ANY");
                    fc.putArray("allowedFunctionNames").add(named.name());
                }
            }
        }
    }

    /** Gemini's functionResponse.response must be an object: a JSON object result stays one, anything else wraps. */
    private static JsonNode toolResponse(String content) {
        try {
            JsonNode parsed = Json.MAPPER.readTree(content);
            if (parsed != null && parsed.isObject()) {
                return parsed;
            }
        } catch (IOException notJson) {
            // plain text result
        }
        return Json.MAPPER.createObjectNode().put("content", content);
    }

    private void image(Params p, ArrayNode parts, Image img, String at) {
        if (img.isData()) {
            Chat.DataUrl d = Chat.dataUrl(p, img.url(), at);
            parts.addObject().putObject("inlineData").put("mimeType", d.mediaType()).put("data", d.base64());
            return;
        }
        // Gemini fetches a file by URI itself (fileData): public or signed http(s) URLs on both APIs, gs:// on
        // Vertex; it needs the media type, which an image_url does not carry, so it comes from the file's extension
        String url = img.url();
        boolean web = url.startsWith("https://") || url.startsWith("http://");
        if (!web && !(VERTEX.equals(provider) && url.startsWith("gs://"))) {
            throw p.unsupported(at, "Gemini takes images as base64 data URLs (data:image/png;base64,...) or http(s)"
                    + (VERTEX.equals(provider) ? " or gs://" : "") + " URLs");
        }
        String mime = mimeFromExtension(url);
        if (mime == null) {
            throw p.unsupported(at, "Gemini needs an image URL's media type, read from its extension (.png, .jpg,"
                    + " .jpeg, .webp, .heic, .heif); send this image as a base64 data URL instead");
        }
        parts.addObject().putObject("fileData").put("mimeType", mime).put("fileUri", url);
    }

    /** The media type of the file a URL names, by its extension (query and fragment ignored); null when unknown. */
    static String mimeFromExtension(String url) {
        String path = url;
        for (char c : new char[] {'?', '#'}) {
            int cut = path.indexOf(c);
            if (cut >= 0) {
                path = path.substring(0, cut);
            }
        }
        String u = path.toLowerCase(Locale.ROOT);
        int dot = u.lastIndexOf('.');
        if (dot < 0 || dot < u.lastIndexOf('/')) {
            return null;
        }
        return switch (u.substring(dot + 1)) {
            case "png" -> "image/png";
            case "jpg", "jpeg" -> "image/jpeg";
            case "webp" -> "image/webp";
            case "heic" -> "image/heic";
            case "heif" -> "image/heif";
            default -> null;
        };
    }

    // ---- answers ----

    @Override
    public ObjectNode fromProvider(JsonNode r, String requestedModel) {
        ObjectNode c = OpenAi.completion(r.path("responseId").asText(OpenAi.newId("chatcmpl-")),
                clock.instant().getEpochSecond(), requestedModel);
        ArrayNode choices = (ArrayNode) c.get("choices");
        JsonNode candidates = r.path("candidates");
        for (int i = 0; i < candidates.size(); i++) {
            JsonNode cand = candidates.get(i);
            StringBuilder text = new StringBuilder();
            StringBuilder thoughts = new StringBuilder();
            List<OpenAi.OutCall> calls = new ArrayList<>();
            for (JsonNode part : cand.path("content").path("parts")) {
                if (part.has("functionCall")) {
                    JsonNode fc = part.get("functionCall");
                    calls.add(new OpenAi.OutCall(fc.path("id").asText(OpenAi.newId("call_")), fc.path("name").asText(),
                            fc.path("args").isMissingNode() ? "{}" : fc.path("args").toString()));
                } else if (part.path("thought").asBoolean(false)) {
                    thoughts.append(part.path("text").asText());
                } else if (part.has("text")) {
                    text.append(part.path("text").asText());
                }
            }
            choices.add(OpenAi.choice(cand.path("index").asInt(i), text.toString(), thoughts.toString(), calls,
                    finishReason(cand.path("finishReason").asText(null), !calls.isEmpty())));
        }
        if (candidates.isEmpty()) {
            // the prompt itself was blocked (promptFeedback.blockReason): no candidate at all
            choices.add(OpenAi.choice(0, "", null, List.of(), OpenAi.CONTENT_FILTER));
        }
        c.set("usage", tokens(r.path("usageMetadata")).json());
        return c;
    }

    static String finishReason(String reason, boolean calledTools) {
        if (reason == null) {
            return null;
        }
        return switch (reason) {
            case "MAX_TOKENS" -> OpenAi.LENGTH;
            case "SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY", "LANGUAGE" ->
                    OpenAi.CONTENT_FILTER;
            // Gemini ends a function-calling turn with STOP; OpenAI clients look for tool_calls
            default -> calledTools ? OpenAi.TOOL_CALLS : OpenAi.STOP;
        };
    }

    /** candidatesTokenCount excludes thoughtsTokenCount; promptTokenCount includes cachedContentTokenCount. */
    static OpenAi.Tokens tokens(JsonNode u) {
        long thoughts = u.path("thoughtsTokenCount").asLong(0);
        return new OpenAi.Tokens(u.path("promptTokenCount").asLong(0) + u.path("toolUsePromptTokenCount").asLong(0),
                u.path("candidatesTokenCount").asLong(0) + thoughts, u.path("cachedContentTokenCount").asLong(0),
                thoughts);
    }

    @Override
    public OpenAiError mapError(int status, JsonNode body) {
        return OpenAi.error(status, body);
    }

    @Override
    public StreamTranslator stream(ObjectNode openAiRequest, String requestedModel) {
        return new Stream(new Chunks(openAiRequest, requestedModel, clock));
    }

    /** Each SSE event is a whole GenerateContentResponse holding the next parts; there are no event names. */
    private final class Stream implements StreamTranslator {
        private final Chunks out;
        private final Map<Integer, Integer> toolCount = new HashMap<>();
        private final Set<Integer> calledTools = new HashSet<>();

        Stream(Chunks out) {
            this.out = out;
        }

        @Override
        public List<ObjectNode> onEvent(String eventName, JsonNode data) {
            List<ObjectNode> chunks = new ArrayList<>(2);
            if (data.has("error")) {
                chunks.add(Chunks.error(mapError(data.path("error").path("code").asInt(500), data)));
                return chunks;
            }
            if (!out.started() && data.hasNonNull("responseId")) {
                out.id(data.get("responseId").asText());
            }
            if (data.has("usageMetadata")) {
                out.usage(tokens(data.get("usageMetadata")));
            }
            JsonNode candidates = data.path("candidates");
            for (int i = 0; i < candidates.size(); i++) {
                JsonNode cand = candidates.get(i);
                int choice = cand.path("index").asInt(i);
                ObjectNode last = null;
                for (JsonNode part : cand.path("content").path("parts")) {
                    if (part.has("functionCall")) {
                        JsonNode fc = part.get("functionCall");
                        int index = toolCount.merge(choice, 1, Integer::sum) - 1;
                        calledTools.add(choice);
                        last = out.toolStart(choice, index, fc.path("id").asText(OpenAi.newId("call_")),
                                fc.path("name").asText(), fc.path("args").isMissingNode() ? "{}" : fc.path("args").toString());
                    } else if (part.path("thought").asBoolean(false)) {
                        last = out.reasoning(choice, part.path("text").asText());
                    } else if (part.has("text")) {
                        last = out.content(choice, part.path("text").asText());
                    } else {
                        continue;
                    }
                    chunks.add(last);
                }
                String finish = finishReason(cand.path("finishReason").asText(null), calledTools.contains(choice));
                if (finish != null) {
                    if (last != null) {
                        out.finishOn(last, choice, finish);
                    } else {
                        chunks.add(out.finish(choice, finish));
                    }
                }
            }
            if (candidates.isEmpty() && data.path("promptFeedback").hasNonNull("blockReason")) {
                chunks.add(out.finish(0, OpenAi.CONTENT_FILTER));
            }
            return chunks;
        }

        @Override
        public List<ObjectNode> onEnd() {
            // Gemini's stream has no closing event: its last usageMetadata is the total
            List<ObjectNode> chunks = new ArrayList<>(1);
            out.usageChunk().ifPresent(chunks::add);
            return chunks;
        }
    }
}

package io.aigateway.compat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;
import java.util.Map;

/**
 * OpenAI-compatible providers: the request goes as it is with only {@code model} renamed, and the answers come back
 * as they are (the provider's own {@code model} stays in them: it names the exact version that answered). The
 * provider judges the parameters itself, so nothing is refused here.
 */
public final class PassThroughTranslator implements ChatTranslator {
    /** Azure OpenAI requires an api-version; this GA version supports tools, json_schema and stream_options. */
    static final String AZURE_API_VERSION = "2024-10-21";

    /** Chat Completions path relative to each provider's registry base URL. */
    static final Map<String, String> CHAT_PATHS = Map.of(
            "openai", "/chat/completions",
            "azure-openai", "/chat/completions?api-version=" + AZURE_API_VERSION,
            "groq", "/chat/completions",
            "mistral", "/v1/chat/completions",
            "deepseek", "/chat/completions",
            "openrouter", "/chat/completions",
            "perplexity-ai", "/chat/completions",
            "grok", "/chat/completions",
            "cerebras", "/chat/completions");

    private final String provider;
    private final String path;

    public PassThroughTranslator(String provider) {
        this.path = CHAT_PATHS.get(provider);
        if (path == null) {
            throw new IllegalArgumentException("not an OpenAI-compatible provider: " + provider);
        }
        this.provider = provider;
    }

    @Override
    public String provider() {
        return provider;
    }

    @Override
    public TranslatedRequest toProvider(ObjectNode openAiRequest, String model) {
        ObjectNode body = openAiRequest.deepCopy();
        body.put("model", model);
        boolean stream = body.path("stream").asBoolean(false);
        return new TranslatedRequest(path, "POST", AnthropicTranslator.bytes(body), Map.of(), stream);
    }

    @Override
    public ObjectNode fromProvider(JsonNode providerResponse, String requestedModel) {
        return (ObjectNode) providerResponse.deepCopy();
    }

    @Override
    public StreamTranslator stream(ObjectNode openAiRequest, String requestedModel) {
        return new StreamTranslator() {
            @Override
            public List<ObjectNode> onEvent(String eventName, JsonNode data) {
                // OpenAI-compatible streams end with a literal [DONE], which is not a chunk
                return data instanceof ObjectNode o ? List.of(o) : List.of();
            }

            @Override
            public List<ObjectNode> onEnd() {
                return List.of();
            }
        };
    }

    /** Their errors are OpenAI's shape already; one that is not is rebuilt from its status. */
    @Override
    public OpenAiError mapError(int status, JsonNode body) {
        if (body instanceof ObjectNode o && o.path("error").isObject() && o.path("error").has("message")) {
            return new OpenAiError(status, o.deepCopy());
        }
        return OpenAi.error(status, body);
    }
}

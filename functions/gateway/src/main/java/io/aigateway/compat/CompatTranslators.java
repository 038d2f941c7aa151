package io.aigateway.compat;

import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The translators by provider slug: the one entry point the pipeline needs. Immutable after construction and
 * thread-safe; build one per process.
 */
public final class CompatTranslators {
    private final Map<String, ChatTranslator> chat;
    private final Map<String, EmbeddingsTranslator> embeddings;

    public CompatTranslators(Clock clock) {
        Map<String, ChatTranslator> c = new HashMap<>();
        c.put("anthropic", new AnthropicTranslator(clock));
        c.put(GeminiTranslator.AI_STUDIO, new GeminiTranslator(GeminiTranslator.AI_STUDIO, clock));
        c.put(GeminiTranslator.VERTEX, new GeminiTranslator(GeminiTranslator.VERTEX, clock));
        c.put("aws-bedrock", new BedrockTranslator(clock));
        c.put("cohere", new CohereTranslator(clock));
        c.put("workers-ai", new WorkersAiTranslator(clock));
        for (String slug : PassThroughTranslator.CHAT_PATHS.keySet()) {
            c.put(slug, new PassThroughTranslator(slug));
        }
        this.chat = Map.copyOf(c);
        this.embeddings = Embeddings.all();
    }

    public CompatTranslators() {
        this(Clock.systemUTC());
    }

    public Optional<ChatTranslator> chat(String provider) {
        return Optional.ofNullable(chat.get(provider));
    }

    public Optional<EmbeddingsTranslator> embeddings(String provider) {
        return Optional.ofNullable(embeddings.get(provider));
    }

    /**
     * The chat translator for a parsed {@code provider/model}.
     *
     * @throws UnsupportedParameterException ("model") for a provider with no translation
     */
    public ChatTranslator chatFor(CompatModel.ProviderModel model) {
        return chat(model.provider()).orElseThrow(() -> new UnsupportedParameterException("model", model.provider(),
                "no OpenAI-compatible translation for provider '" + model.provider() + "'"));
    }

    /** @throws UnsupportedParameterException ("model") for a provider without translated embeddings */
    public EmbeddingsTranslator embeddingsFor(CompatModel.ProviderModel model) {
        return embeddings(model.provider()).orElseThrow(() -> new UnsupportedParameterException("model",
                model.provider(), "no embeddings translation for provider '" + model.provider() + "'"));
    }
}

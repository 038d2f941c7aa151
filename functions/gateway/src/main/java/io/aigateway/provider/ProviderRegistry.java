package io.aigateway.provider;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Every provider the gateway may call, keyed by slug (Cloudflare's slugs and base URLs). Adding a provider is
 * adding one entry here; no provider name appears anywhere else in the code.
 */
public final class ProviderRegistry {
    private static final String GOOGLE_MODEL = "/models/(?<model>[A-Za-z0-9._-]+)(?::|/|$)";
    private static final String GOOGLE_STREAM = ":streamGenerateContent";
    private static final String AZURE_BASE = "https://{resource}.openai.azure.com/openai";
    private static final String AZURE_RESOURCE = "(?<resource>[A-Za-z0-9][A-Za-z0-9-]{0,62})";
    private static final String AZURE_DEPLOYMENT = "(?<deployment>[A-Za-z0-9][A-Za-z0-9._-]{0,63})";
    private static final String GROQ_BASE = "https://api.groq.com/openai/v1";

    private static final List<Provider> DEFAULTS = List.of(
            Provider.fixed("openai", "https://api.openai.com/v1"),
            Provider.fixed("anthropic", "https://api.anthropic.com").withKeyHeader("x-api-key", ""),
            // Cloudflare's /{resource}/{deployment}/..., and the AzureOpenAI SDK's own layout under
            // azure_endpoint=.../azure-openai/{resource}: /openai/deployments/{deployment}/... and /openai/... (files,
            // batches, responses, the v1 API).
            Provider.templated("azure-openai", AZURE_BASE + "/deployments/{deployment}",
                    "^/" + AZURE_RESOURCE + "/" + AZURE_DEPLOYMENT + "(?=/|$)", true,
                    "/{resource}/{deployment}/... or /{resource}/openai/deployments/{deployment}/... (for example"
                            + " /my-resource/gpt-4o/chat/completions?api-version=2024-10-21)")
                    .withPathForm("^/" + AZURE_RESOURCE + "/openai/deployments/" + AZURE_DEPLOYMENT + "(?=/|$)",
                            AZURE_BASE + "/deployments/{deployment}")
                    .withPathForm("^/" + AZURE_RESOURCE + "/openai(?=/|$)", AZURE_BASE)
                    // the deployment names the model; it is in the upstream path, not in what is left of the route
                    .withModelPattern("/deployments/(?<model>[^/]+)")
                    .withKeyHeader("api-key", ""),
            Provider.fixed("google-ai-studio", "https://generativelanguage.googleapis.com").withModelPattern(GOOGLE_MODEL)
                    .withStreamPattern(GOOGLE_STREAM).withKeyHeader("x-goog-api-key", ""),
            Provider.templated("google-vertex-ai", "https://{location}aiplatform.googleapis.com",
                    "/locations/(?<location>[a-z0-9-]{1,40})/", false,
                    "/v1/projects/{project}/locations/{region}/publishers/google/models/{model}:{action}")
                    .withModelPattern(GOOGLE_MODEL).withStreamPattern(GOOGLE_STREAM),
            Provider.templated("aws-bedrock", "https://{service}.{region}.amazonaws.com",
                    "^/(?<service>bedrock-runtime|bedrock-agent-runtime|bedrock)/(?<region>[a-z]{2}(?:-gov)?-[a-z]+-\\d)(?=/|$)",
                    true, "/bedrock-runtime/{region}/... (for example /bedrock-runtime/us-east-1/model/{model id}/invoke)")
                    .withModelPattern("/model/(?<model>[^/]+)/")
                    .withStreamPattern("/(?:invoke-with-response-stream|converse-stream)$")
                    .withKeyHeader(null, null), // SigV4-signed, no key header
            Provider.fixed("workers-ai", "https://api.cloudflare.com/client/v4/accounts/{account}/ai/run")
                    .withModelPattern("^/(?<model>@.+)$"),
            Provider.fixed("huggingface", "https://api-inference.huggingface.co/models"),
            // Cloudflare's /groq/chat/completions, and the Groq SDK's /groq/openai/v1/chat/completions (it appends
            // /openai/v1 to its base URL itself): both reach https://api.groq.com/openai/v1/chat/completions.
            Provider.fixed("groq", GROQ_BASE).withPathForm("^/openai/v1(?=/|$)", GROQ_BASE),
            Provider.fixed("mistral", "https://api.mistral.ai"),
            Provider.fixed("cohere", "https://api.cohere.ai"),
            Provider.fixed("deepseek", "https://api.deepseek.com"),
            Provider.fixed("openrouter", "https://openrouter.ai/api/v1"),
            Provider.fixed("perplexity-ai", "https://api.perplexity.ai"),
            Provider.fixed("grok", "https://api.x.ai/v1"),
            Provider.fixed("cerebras", "https://api.cerebras.ai/v1"),
            Provider.fixed("replicate", "https://api.replicate.com/v1"));

    private final Map<String, Provider> bySlug;
    private final Map<String, URI> overrides;
    private final String slugList;

    /**
     * @param overrides base URL per slug ({@code GATEWAY_UPSTREAM_<SLUG>}); for a templated provider only the
     *                  scheme, host and port are replaced, the template's path stays
     */
    public ProviderRegistry(Map<String, URI> overrides) {
        Map<String, Provider> map = new LinkedHashMap<>();
        for (Provider p : DEFAULTS) {
            map.put(p.slug(), p);
        }
        for (String slug : overrides.keySet()) {
            if (!map.containsKey(slug)) {
                throw new IllegalArgumentException("GATEWAY_UPSTREAM_" + slug.toUpperCase().replace('-', '_')
                        + " names no known provider; known: " + String.join(", ", map.keySet()));
            }
        }
        this.bySlug = Map.copyOf(map);
        this.overrides = Map.copyOf(overrides);
        this.slugList = String.join(", ", map.keySet());
    }

    public Optional<Provider> find(String slug) {
        return Optional.ofNullable(bySlug.get(slug));
    }

    /** The headers providers take a key in other than {@code authorization} (x-api-key, api-key, ...). */
    public java.util.Set<String> ownKeyHeaders() {
        java.util.Set<String> names = new java.util.TreeSet<>();
        for (Provider p : bySlug.values()) {
            if (p.keyHeader() != null && !"authorization".equals(p.keyHeader().name())) {
                names.add(p.keyHeader().name());
            }
        }
        return java.util.Set.copyOf(names);
    }

    public String knownSlugs() {
        return slugList;
    }

    public Optional<URI> override(String slug) {
        return Optional.ofNullable(overrides.get(slug));
    }
}

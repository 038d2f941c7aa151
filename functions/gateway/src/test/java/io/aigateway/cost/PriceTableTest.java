package io.aigateway.cost;

import io.aigateway.provider.ProviderRegistry;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PriceTableTest {
    private static final PriceTable TABLE = PriceTable.defaults();

    private static String key(String provider, String model) {
        return TABLE.find(provider, model).map(m -> m.provider() + ":" + m.modelKey()).orElse(null);
    }

    private static BigDecimal input(String provider, String model) {
        return TABLE.find(provider, model).orElseThrow(() -> new AssertionError(provider + " " + model)).price().input();
    }

    @Test
    void everyRegistryProviderHasASectionAndEveryEntryASourceAndDate() {
        for (String slug : new ProviderRegistry(Map.of()).knownSlugs().split(", ")) {
            assertTrue(TABLE.providers().contains(slug), "pricing.json has no section for " + slug);
        }
        Pattern month = Pattern.compile("\\d{4}-\\d{2}(-\\d{2})?");
        for (String provider : TABLE.providers()) {
            TABLE.models(provider).forEach((model, price) -> {
                assertNotNull(price.source(), provider + " " + model);
                assertTrue(price.source().startsWith("https://"), provider + " " + model);
                assertTrue(month.matcher(price.asOf()).matches(), provider + " " + model + " as_of " + price.asOf());
                assertTrue(price.input().signum() >= 0 && price.output().signum() >= 0);
                if (price.cachedInput() != null) {
                    assertTrue(price.cachedInput().compareTo(price.input()) <= 0, provider + " " + model + ": cache reads cost less");
                }
            });
        }
    }

    @Test
    void exactIdsWin() {
        assertEquals("openai:gpt-4o-mini", key("openai", "gpt-4o-mini"));
        assertEquals("openai:gpt-4o-2024-05-13", key("openai", "gpt-4o-2024-05-13"), "the older, dearer snapshot");
        assertEquals(0, new BigDecimal("5").compareTo(input("openai", "gpt-4o-2024-05-13")));
        assertEquals("openai:gpt-4o", key("openai", "GPT-4o"), "case-insensitive");
    }

    @Test
    void datedSnapshotsMatchTheirModelLongestPrefixFirst() {
        assertEquals("openai:gpt-4o-mini", key("openai", "gpt-4o-mini-2024-07-18"));
        assertEquals("openai:gpt-4o", key("openai", "gpt-4o-2024-08-06"));
        assertEquals("openai:gpt-4.1-nano", key("openai", "gpt-4.1-nano-2025-04-14"));
        assertEquals("openai:o3-mini", key("openai", "o3-mini-2025-01-31"));
        assertEquals("openai:o1", key("openai", "o1-preview-2024-09-12"));
        assertEquals("openai:gpt-4", key("openai", "gpt-4-0613"));
        assertEquals("openai:gpt-5-chat", key("openai", "gpt-5-chat-latest"));
        assertEquals("anthropic:claude-sonnet-4-5", key("anthropic", "claude-sonnet-4-5-20250929"));
        assertEquals("anthropic:claude-opus-4-1", key("anthropic", "claude-opus-4-1-20250805"));
        assertEquals("anthropic:claude-opus-4", key("anthropic", "claude-opus-4-20250514"));
        assertEquals("anthropic:claude-3-5-haiku", key("anthropic", "claude-3-5-haiku-latest"));
        assertEquals("anthropic:claude-sonnet-4-0", key("anthropic", "claude-sonnet-4-0"), "alias");
        assertEquals("google-ai-studio:gemini-2.5-flash-lite", key("google-ai-studio", "gemini-2.5-flash-lite-preview-06-17"));
        assertEquals("google-ai-studio:gemini-2.0-flash", key("google-ai-studio", "gemini-2.0-flash-001"));
        assertEquals("google-ai-studio:gemini-3-pro", key("google-ai-studio", "gemini-3-pro-preview"));
        assertEquals("google-ai-studio:gemini-2.5-pro", key("google-ai-studio", "models/gemini-2.5-pro"));
        assertEquals("mistral:mistral-large", key("mistral", "mistral-large-latest"));
        assertEquals("mistral:mistral-large", key("mistral", "mistral-large-2411"));
        assertEquals("mistral:mistral-large-2402", key("mistral", "mistral-large-2402"));
        assertEquals("grok:grok-4", key("grok", "grok-4-0709"));
        assertEquals("groq:moonshotai/kimi-k2-instruct", key("groq", "moonshotai/kimi-k2-instruct-0905"));
    }

    @Test
    void lookalikesAreUnknownNotMispriced() {
        assertEquals(Optional.empty(), TABLE.find("openai", "gpt-5.9"), "a future minor version is not gpt-5");
        assertEquals(Optional.empty(), TABLE.find("anthropic", "claude-opus-4-9"), "nor a future Claude");
        assertEquals(Optional.empty(), TABLE.find("openai", "gpt-4o-transcribe"), "a different product is not gpt-4o");
        assertEquals(Optional.empty(), TABLE.find("google-ai-studio", "gemini-2.5-flash-image-preview"));
        assertEquals(Optional.empty(), TABLE.find("openai", "my-finetune"));
        assertEquals(Optional.empty(), TABLE.find("openai", null));
        assertEquals(Optional.empty(), TABLE.find("no-such-provider", "gpt-4o"));
        assertEquals(Optional.empty(), TABLE.find("huggingface", "meta-llama/Llama-3.1-8B-Instruct"));
    }

    @Test
    void pricesAreProviderScoped() {
        assertEquals(Optional.empty(), TABLE.find("anthropic", "gpt-4o"));
        assertEquals(Optional.empty(), TABLE.find("openai", "claude-sonnet-4-5"));
        // the same open model costs differently at each host
        assertEquals(0, new BigDecimal("0.15").compareTo(input("groq", "openai/gpt-oss-120b")));
        assertEquals(0, new BigDecimal("0.25").compareTo(input("cerebras", "gpt-oss-120b")));
    }

    @Test
    void azureUsesOpenAiPricesAndItsOwnNames() {
        assertEquals("openai:gpt-4o-mini", key("azure-openai", "gpt-4o-mini-2024-07-18"));
        assertEquals("openai:gpt-35-turbo", key("azure-openai", "gpt-35-turbo"));
        assertEquals(Optional.empty(), TABLE.find("azure-openai", "my-deployment"));
    }

    @Test
    void bedrockIdsWithVersionsRegionProfilesAndArns() {
        assertEquals("anthropic:claude-3-5-haiku", key("aws-bedrock", "anthropic.claude-3-5-haiku-20241022-v1:0"));
        assertEquals("anthropic:claude-sonnet-4-5", key("aws-bedrock", "us.anthropic.claude-sonnet-4-5-20250929-v1:0"));
        assertEquals("anthropic:claude-sonnet-4", key("aws-bedrock", "eu.anthropic.claude-sonnet-4-20250514-v1:0"));
        assertEquals("anthropic:claude-sonnet-4-5", key("aws-bedrock", "global.anthropic.claude-sonnet-4-5-20250929-v1:0"));
        assertEquals("anthropic:claude-3-haiku", key("aws-bedrock", "anthropic.claude-3-haiku-20240307-v1:0:200k"));
        assertEquals("anthropic:claude-3-5-sonnet", key("aws-bedrock",
                "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-sonnet-20241022-v2:0"));
        assertEquals("anthropic:claude-3-5-haiku", key("aws-bedrock", "anthropic.claude-3-5-haiku-20241022-v1%3A0"), "URL-encoded");
        assertEquals("anthropic:claude-3-5-haiku", key("aws-bedrock", "claude-3-5-haiku-20241022"), "model field of an InvokeModel body");
        assertEquals("aws-bedrock:amazon.nova-lite", key("aws-bedrock", "amazon.nova-lite-v1:0"));
        assertEquals("aws-bedrock:amazon.nova-pro", key("aws-bedrock", "us.amazon.nova-pro-v1:0"));
        assertEquals("aws-bedrock:meta.llama3-1-70b-instruct", key("aws-bedrock", "meta.llama3-1-70b-instruct-v1:0"));
        assertEquals("aws-bedrock:meta.llama3-3-70b-instruct", key("aws-bedrock", "us.meta.llama3-3-70b-instruct-v1:0"));
        assertEquals("aws-bedrock:mistral.mistral-7b-instruct", key("aws-bedrock", "mistral.mistral-7b-instruct-v0:2"));
        assertEquals("aws-bedrock:amazon.titan-embed-text-v2", key("aws-bedrock", "amazon.titan-embed-text-v2:0"));
        assertEquals("aws-bedrock:amazon.titan-embed-text", key("aws-bedrock", "amazon.titan-embed-text-v1"));
        assertEquals("aws-bedrock:openai.gpt-oss-120b-1", key("aws-bedrock", "openai.gpt-oss-120b-1:0"));
        assertEquals(Optional.empty(), TABLE.find("aws-bedrock", "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123"));
    }

    @Test
    void vertexServesGeminiAndClaude() {
        assertEquals("google-ai-studio:gemini-2.5-flash", key("google-vertex-ai", "gemini-2.5-flash"));
        assertEquals("anthropic:claude-sonnet-4-5", key("google-vertex-ai", "claude-sonnet-4-5@20250929"));
    }

    @Test
    void openRouterIdsMapToTheVendorsPrice() {
        assertEquals("openai:gpt-4o-mini", key("openrouter", "openai/gpt-4o-mini"));
        assertEquals("openai:gpt-4o-mini", key("openrouter", "openai/gpt-4o-mini-2024-07-18"));
        assertEquals("anthropic:claude-3-5-sonnet", key("openrouter", "anthropic/claude-3.5-sonnet"), "dots as dashes");
        assertEquals("anthropic:claude-sonnet-4-5", key("openrouter", "anthropic/claude-sonnet-4.5"));
        assertEquals("anthropic:claude-3-7-sonnet", key("openrouter", "anthropic/claude-3.7-sonnet:thinking"));
        assertEquals("google-ai-studio:gemini-2.5-pro", key("openrouter", "google/gemini-2.5-pro"));
        assertEquals("grok:grok-4", key("openrouter", "x-ai/grok-4"));
        assertEquals("mistral:mistral-large", key("openrouter", "mistralai/mistral-large-2411"));
        PriceTable.Match free = TABLE.find("openrouter", "meta-llama/llama-3.3-70b-instruct:free").orElseThrow();
        assertSame(ModelPrice.FREE, free.price());
        assertEquals(Optional.empty(), TABLE.find("openrouter", "meta-llama/llama-3.3-70b-instruct"), "many hosts, many prices");
        assertTrue(TABLE.trustsProviderCost("openrouter"));
        assertFalse(TABLE.trustsProviderCost("openai"));
    }

    @Test
    void snapshotSuffixGrammar() {
        for (String ok : new String[]{"-2024-07-18", "-20250929", "@20250929", "-0613", "-001", "-v1:0", "-v2:0:200k",
                "-latest", "-preview", "-preview-06-17", "-exp-0827", ":beta", ":thinking", "-2407-v1:0", "-preview-09-2025"}) {
            assertTrue(PriceTable.isSnapshotSuffix(ok), ok);
        }
        for (String no : new String[]{"", "-mini", ".2", "-9", "-realtime-preview", "-16k", "x-2024", "-chat-latest",
                "-9-20260101", "--", "-v1:a-b"}) {
            assertFalse(PriceTable.isSnapshotSuffix(no), no);
        }
    }

    @Test
    void overridesMatchLikeTheTable() {
        Map<String, ModelPrice> overrides = Map.of("gpt-4o", ModelPrice.of(1, 2), "GPT-4o-mini", ModelPrice.of(3, 4));
        assertEquals("gpt-4o-mini", PriceTable.matchIn(overrides, "gpt-4o-mini-2024-07-18").orElseThrow().getKey());
        assertEquals("gpt-4o", PriceTable.matchIn(overrides, "gpt-4o").orElseThrow().getKey());
        assertTrue(PriceTable.matchIn(overrides, "gpt-4o-realtime-preview").isEmpty());
        assertTrue(PriceTable.matchIn(Map.of(), "gpt-4o").isEmpty());
    }

    @Test
    void malformedTablesFailLoudly() throws Exception {
        var bad = io.aigateway.core.Json.MAPPER.readTree(
                "{\"providers\":{\"x\":{\"models\":{\"m\":{\"input\":-1,\"output\":1}}}}}");
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> PriceTable.fromJson(bad));
        assertTrue(e.getMessage().contains("x / m"), e.getMessage());
        var dangling = io.aigateway.core.Json.MAPPER.readTree("{\"providers\":{\"x\":{\"same_as\":[\"y\"]}}}");
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> PriceTable.fromJson(dangling));
    }
}

package io.aigateway.cost;

import io.aigateway.provider.Usage;
import io.aigateway.provider.UsageTap;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CostCalculatorTest {
    private static final CostCalculator CALC = CostCalculator.standard();

    private static Usage usage(String json) {
        return UsageTap.readAll("application/json", json.getBytes(StandardCharsets.UTF_8), null);
    }

    private static Usage tokens(long in, long out) {
        Usage u = new Usage();
        u.offerIn(in);
        u.offerOut(out);
        return u;
    }

    private static void assertUsd(String expected, BigDecimal actual) {
        assertEquals(0, new BigDecimal(expected).compareTo(actual), "expected " + expected + ", got " + actual);
    }

    @Test
    void eachKindAtItsOwnPrice() {
        // gpt-4o-mini: input 0.15, cached 0.075, output 0.60 per million
        Usage cachedOnly = new Usage();
        cachedOnly.offerIn(1_000_000);
        cachedOnly.offerCacheRead(1_000_000);
        cachedOnly.offerOut(0);
        Cost c = CALC.cost("openai", "gpt-4o-mini", cachedOnly);
        assertUsd("0.075", c.total());
        assertUsd("0.075", c.cachedInput());
        assertUsd("0", c.input());

        assertUsd("0.15", CALC.cost("openai", "gpt-4o-mini", tokens(1_000_000, 0)).total());
        assertUsd("0.60", CALC.cost("openai", "gpt-4o-mini", tokens(0, 1_000_000)).total());
    }

    @Test
    void openAiCachedAndReasoningFromARealResponse() {
        // o4-mini: input 1.10, cached 0.275, output 4.40
        Usage u = usage("{\"model\":\"o4-mini-2025-04-16\",\"usage\":{\"prompt_tokens\":2006,\"completion_tokens\":300,"
                + "\"prompt_tokens_details\":{\"cached_tokens\":1920},\"completion_tokens_details\":{\"reasoning_tokens\":192}}}");
        Cost c = CALC.cost("openai", "o4-mini", u);
        assertTrue(c.known());
        assertEquals(Cost.Source.TABLE, c.source());
        assertEquals("o4-mini", c.model());
        assertUsd("0.0000946", c.input());        // 86 x 1.10 / 1e6
        assertUsd("0.000528", c.cachedInput());   // 1920 x 0.275 / 1e6
        assertUsd("0.00132", c.output());         // 300 x 4.40 / 1e6
        assertUsd("0.0008448", c.reasoning());    // 192 x 4.40 / 1e6, part of output
        assertUsd("0.0019426", c.total());
        assertEquals(c.total(), c.input().add(c.cachedInput()).add(c.cacheWrite()).add(c.output()));
    }

    @Test
    void anthropicCacheReadsAndWritesIncludingOneHourWrites() {
        // claude-sonnet-4-5: input 3, read 0.30, write 3.75, 1h write 6, output 15
        Usage u = usage("{\"model\":\"claude-sonnet-4-5-20250929\",\"usage\":{\"input_tokens\":50,"
                + "\"cache_creation_input_tokens\":2000,\"cache_read_input_tokens\":10000,"
                + "\"cache_creation\":{\"ephemeral_5m_input_tokens\":1500,\"ephemeral_1h_input_tokens\":500},\"output_tokens\":400}}");
        Cost c = CALC.cost("anthropic", null, u);
        assertUsd("0.00015", c.input());          // 50 x 3
        assertUsd("0.003", c.cachedInput());      // 10000 x 0.30
        assertUsd("0.008625", c.cacheWrite());    // 1500 x 3.75 + 500 x 6
        assertUsd("0.006", c.output());           // 400 x 15
        assertUsd("0.017775", c.total());
    }

    @Test
    void bedrockConverseAndInvokeHeadersArePriced() {
        Usage converse = usage("{\"usage\":{\"inputTokens\":1000000,\"outputTokens\":1000000,\"cacheReadInputTokens\":1000000}}");
        // amazon.nova-lite: input 0.06, cached 0.015, output 0.24
        Cost c = CALC.cost("aws-bedrock", "us.amazon.nova-lite-v1:0", converse);
        assertUsd("0.315", c.total());
        assertEquals("amazon.nova-lite", c.model());

        Usage headers = new Usage();
        headers.offerHeaderCounts("1000000", "1000000", null, null);
        // claude-3-5-haiku on Bedrock: 0.80 in, 4 out
        assertUsd("4.80", CALC.cost("aws-bedrock", "anthropic.claude-3-5-haiku-20241022-v1:0", headers).total());
    }

    @Test
    void geminiThoughtsAndLongContextTier() {
        // gemini-2.5-pro: 1.25 / 10 up to 200k input, 2.50 / 15 above
        Usage small = usage("{\"usageMetadata\":{\"promptTokenCount\":100000,\"candidatesTokenCount\":1000,"
                + "\"thoughtsTokenCount\":9000},\"modelVersion\":\"gemini-2.5-pro\"}");
        assertUsd("0.225", CALC.cost("google-ai-studio", null, small).total()); // 0.125 + 10000 x 10 / 1e6
        Usage large = usage("{\"usageMetadata\":{\"promptTokenCount\":400000,\"candidatesTokenCount\":10000},\"modelVersion\":\"gemini-2.5-pro\"}");
        assertUsd("1.15", CALC.cost("google-ai-studio", null, large).total());  // 400k x 2.50 + 10k x 15
    }

    @Test
    void theAnswersModelWinsOverTheRequestsName() {
        // Azure: the path names a deployment, the answer names the model
        Usage u = usage("{\"model\":\"gpt-4o-mini-2024-07-18\",\"usage\":{\"prompt_tokens\":1000000,\"completion_tokens\":0}}");
        Cost c = CALC.cost("azure-openai", "my-deployment", u, null, Map.of());
        assertUsd("0.15", c.total());
        // Bedrock Converse answers name no model: the request's is used
        Usage converse = usage("{\"usage\":{\"inputTokens\":1000000,\"outputTokens\":0}}");
        assertUsd("0.80", CALC.cost("aws-bedrock", "anthropic.claude-3-5-haiku-20241022-v1:0", converse).total());
    }

    @Test
    void unknownModelIsNullNotZero() {
        Cost c = CALC.cost("openai", "my-finetune-xyz", tokens(100, 100));
        assertFalse(c.known());
        assertNull(c.total());
        assertNull(c.usd());
        assertEquals(Cost.Source.UNKNOWN, c.source());
        assertEquals("my-finetune-xyz", c.model());
        assertFalse(CALC.cost("openai", null, tokens(100, 100)).known());
    }

    @Test
    void noTokensReportedIsUnknownEvenForAKnownModel() {
        Cost c = CALC.cost("openai", "gpt-4o-mini", new Usage());
        assertFalse(c.known());
    }

    @Test
    void overridesBeatTheTable() {
        Map<String, ModelPrice> overrides = ModelPrice.overridesFromJson(io.aigateway.core.Json.MAPPER.valueToTree(
                Map.of("gpt-4o-mini", Map.of("input", 0.10, "output", 0.40, "cached_input", 0.01))));
        Usage u = new Usage();
        u.offerIn(2_000_000);
        u.offerCacheRead(1_000_000);
        u.offerOut(1_000_000);
        Cost c = CALC.cost("openai", "gpt-4o-mini-2024-07-18", u, null, overrides);
        assertEquals(Cost.Source.OVERRIDE, c.source());
        assertUsd("0.51", c.total()); // 1M x 0.10 + 1M x 0.01 + 1M x 0.40
        // an override can price a model the table does not know
        Cost custom = CALC.cost("openai", "ft:gpt-4o-mini:acme", tokens(1_000_000, 0), null,
                Map.of("ft:gpt-4o-mini:acme", ModelPrice.of(0.30, 1.20)));
        assertUsd("0.30", custom.total());
        // and regional Bedrock ids match an override given without the region prefix
        Cost bedrock = CALC.cost("aws-bedrock", "us.amazon.nova-pro-v1:0", tokens(1_000_000, 0), null,
                Map.of("amazon.nova-pro", ModelPrice.of(0.5, 1)));
        assertUsd("0.5", bedrock.total());
    }

    @Test
    void customCostHeaderBeatsEverythingAndIsExact() {
        CustomCost perToken = CustomCost.parse("{\"per_token_in\":0.000001,\"per_token_out\":0.000002,"
                + "\"per_cache_read_token\":0.0000001,\"per_cache_write_token\":0.00000125}");
        Usage u = usage("{\"usage\":{\"input_tokens\":10,\"cache_read_input_tokens\":1000,\"cache_creation_input_tokens\":100,\"output_tokens\":7}}");
        Cost c = CALC.cost("anthropic", "claude-sonnet-4-5", u, perToken,
                Map.of("claude-sonnet-4-5", ModelPrice.of(100, 100)));
        assertEquals(Cost.Source.CUSTOM_PER_TOKEN, c.source());
        assertEquals(new BigDecimal("0.000010"), c.input().setScale(6));
        assertUsd("0.0001", c.cachedInput());
        assertUsd("0.000125", c.cacheWrite());
        assertUsd("0.000014", c.output());
        assertUsd("0.000249", c.total());

        CustomCost cacheDefaults = CustomCost.parse("{\"per_token_in\":0.000003,\"per_token_out\":0.000015}");
        assertUsd("0.003435", CALC.cost("anthropic", "claude-sonnet-4-5", u, cacheDefaults, Map.of()).total()); // 1110 x 3e-6 + 7 x 15e-6

        CustomCost total = CustomCost.parse("{\"total_cost\":0.05}");
        Cost t = CALC.cost("openai", "unknown-model", new Usage(), total, Map.of());
        assertEquals(Cost.Source.CUSTOM_TOTAL, t.source());
        assertUsd("0.05", t.total());
        assertNull(t.input());
    }

    @Test
    void providerReportedCostWinsWhereTrusted() {
        Usage u = usage("{\"model\":\"openai/gpt-4o-mini\",\"usage\":{\"prompt_tokens\":1000000,\"completion_tokens\":0,\"cost\":0.2}}");
        Cost c = CALC.cost("openrouter", null, u);
        assertEquals(Cost.Source.PROVIDER_REPORTED, c.source());
        assertUsd("0.2", c.total());
        Usage noCost = usage("{\"model\":\"openai/gpt-4o-mini\",\"usage\":{\"prompt_tokens\":1000000,\"completion_tokens\":0}}");
        Cost table = CALC.cost("openrouter", null, noCost);
        assertEquals(Cost.Source.TABLE, table.source());
        assertUsd("0.15", table.total());
        assertEquals(Cost.Source.TABLE, CALC.cost("openai", "gpt-4o-mini", u).source(), "not trusted from other providers");
    }

    @Test
    void openRouterFreeVariantsCostNothingButAreKnown() {
        Cost c = CALC.cost("openrouter", "meta-llama/llama-3.3-70b-instruct:free", tokens(5000, 5000));
        assertTrue(c.known());
        assertUsd("0", c.total());
    }

    @Test
    void estimatedUsageGivesAnEstimatedCost() {
        Usage u = new Usage();
        u.offerEstimate(1000, 1000);
        Cost c = CALC.cost("openai", "gpt-4o-mini", u);
        assertTrue(c.estimated());
        assertUsd("0.00075", c.total());
    }

    @Test
    void cacheHitChargesNothingAndRecordsWhatItSaved() {
        Usage cached = usage("{\"model\":\"gpt-4o\",\"usage\":{\"prompt_tokens\":1000000,\"completion_tokens\":100000}}");
        Cost charged = Cost.cacheHit("openai", "gpt-4o");
        assertUsd("0", charged.total());
        assertEquals(Cost.Source.CACHE_HIT, charged.source());
        Cost saved = CALC.costSaved("openai", "gpt-4o", cached, null, Map.of());
        assertUsd("3.5", saved.total()); // 2.50 + 0.1 x 10

        assertUsd("3.5", CALC.charge("openai", "gpt-4o", cached, false, null, Map.of()).total());
        assertUsd("0", CALC.charge("openai", "gpt-4o", cached, true, null, Map.of()).total());
    }

    @Test
    void inconsistentCountsNeverGoNegative() {
        Usage u = new Usage();
        u.offerIn(100);
        u.offerCacheRead(500); // more than the whole: clamped
        u.offerOut(10);
        Cost c = CALC.cost("openai", "gpt-4o-mini", u);
        assertTrue(c.total().signum() >= 0);
        assertUsd("0", c.input());
    }
}

package io.aigateway.spend;

import com.fasterxml.jackson.databind.JsonNode;
import io.aigateway.config.LimitRule;
import io.aigateway.core.Json;
import io.aigateway.cost.Cost;
import io.aigateway.cost.CostCalculator;
import io.aigateway.cost.CustomCost;
import io.aigateway.cost.ModelPrice;
import io.aigateway.pipeline.ProxyRequest;
import io.aigateway.provider.TokenEstimator;
import io.aigateway.provider.Usage;

import java.io.IOException;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

/**
 * What a request may use at most, reserved on its buckets before the provider call: its input tokens (the tokenizer
 * estimate the usage reader also falls back on) plus its output cap ({@code max_tokens}, {@code max_completion_tokens},
 * {@code max_output_tokens}, Gemini's {@code generationConfig.maxOutputTokens}, Bedrock's
 * {@code inferenceConfig.maxTokens}; times {@code n} choices), or {@value #DEFAULT_OUTPUT_TOKENS} output tokens when
 * the request sets no cap, priced like the answer will be (overrides and {@code cf-aig-custom-cost} included). A
 * model without a price reserves no spend, only tokens.
 */
public record Estimate(long tokensIn, long tokensOut, BigDecimal usd) {
    /** Output tokens reserved for a request that sets no cap (the settlement corrects it either way). */
    public static final long DEFAULT_OUTPUT_TOKENS = 1024;
    private static final long MAX_CHOICES = 128;

    public static Estimate of(ProxyRequest request, CostCalculator costs, CustomCost custom,
                              Map<String, ModelPrice> overrides) {
        byte[] body = request.http().body();
        JsonNode root = parse(body);
        long in = Math.max(0, TokenEstimator.estimateInput(request.model(), body));
        long out = outputCap(root);
        Usage usage = new Usage();
        usage.offerIn(in);
        usage.offerOut(out);
        BigDecimal usd = BigDecimal.ZERO;
        try {
            Cost cost = costs.cost(request.provider(), request.model(), usage, custom, overrides);
            if (cost.total() != null && cost.total().signum() > 0) {
                usd = cost.total();
            }
        } catch (RuntimeException unpriced) {
            // no price: the reservation holds tokens only
        }
        return new Estimate(in, out, usd);
    }

    /** What this estimate reserves on a bucket of {@code rule}. */
    public BigDecimal amount(LimitRule rule) {
        if (rule.isSpend()) {
            return usd;
        }
        return BigDecimal.valueOf(switch (rule.count()) {
            case INPUT -> tokensIn;
            case OUTPUT -> tokensOut;
            case TOTAL -> tokensIn + tokensOut;
        });
    }

    static long outputCap(JsonNode root) {
        if (root == null || !root.isObject()) {
            return DEFAULT_OUTPUT_TOKENS;
        }
        long cap = -1;
        for (List<String> path : List.of(List.of("max_completion_tokens"), List.of("max_tokens"),
                List.of("max_output_tokens"), List.of("generationConfig", "maxOutputTokens"),
                List.of("generation_config", "max_output_tokens"), List.of("inferenceConfig", "maxTokens"),
                List.of("textGenerationConfig", "maxTokenCount"))) {
            JsonNode v = root;
            for (String p : path) {
                v = v.path(p);
            }
            if (v.canConvertToLong() && v.isIntegralNumber() && v.longValue() > 0) {
                cap = v.longValue();
                break;
            }
        }
        if (cap < 0) {
            cap = DEFAULT_OUTPUT_TOKENS;
        }
        JsonNode n = root.path("n");
        if (n.isIntegralNumber() && n.longValue() > 1) {
            cap *= Math.min(MAX_CHOICES, n.longValue());
        }
        return cap;
    }

    private static JsonNode parse(byte[] body) {
        if (body == null || body.length == 0 || body[0] != '{' && !Character.isWhitespace(body[0])) {
            return null;
        }
        try {
            return Json.MAPPER.readTree(body);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}

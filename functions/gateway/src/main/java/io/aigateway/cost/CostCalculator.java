package io.aigateway.cost;

import io.aigateway.provider.Usage;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Prices a request's {@link Usage}. Precedence, first that applies:
 * <ol>
 *   <li>{@code cf-aig-custom-cost} {@code total_cost}: that amount, whatever the tokens;</li>
 *   <li>{@code cf-aig-custom-cost} per-token prices x the reported tokens;</li>
 *   <li>the gateway's {@code price_overrides} entry for the model;</li>
 *   <li>the provider's own cost figure, where pricing.json trusts it (OpenRouter, Perplexity);</li>
 *   <li>the built-in {@link PriceTable};</li>
 *   <li>otherwise unknown: {@link Cost#total()} null, never 0.</li>
 * </ol>
 * Token-based prices apply per kind: uncached input at the input price, cache reads at the cached-input price,
 * cache writes at the cache-write price (Anthropic one-hour writes at theirs), output (reasoning included) at the
 * output price; above a model's long-context threshold its long-context prices. Arithmetic is exact (BigDecimal).
 *
 * <p>The model is looked up as the provider's answer names it ({@link Usage#model()}: Azure's real model behind a
 * deployment name, OpenRouter's vendor/model), then as the request named it (path or body).
 */
public final class CostCalculator {
    private final PriceTable table;

    public CostCalculator(PriceTable table) {
        this.table = table;
    }

    private static final class Default {
        static final CostCalculator INSTANCE = new CostCalculator(PriceTable.defaults());
    }

    /** The calculator over the built-in pricing.json, shared. */
    public static CostCalculator standard() {
        return Default.INSTANCE;
    }

    public PriceTable table() {
        return table;
    }

    /** The table price only (no custom cost, no overrides). */
    public Cost cost(String provider, String model, Usage usage) {
        return cost(provider, model, usage, null, Map.of());
    }

    /**
     * @param provider     registry slug ({@code openai}, {@code aws-bedrock}, ...)
     * @param requestModel the model the request named (path or body), or null; the answer's own model is tried first
     * @param usage        the answer's usage
     * @param custom       the parsed {@code cf-aig-custom-cost} header, or null
     * @param overrides    the gateway's {@code price_overrides} (model id to price), or null/empty
     */
    public Cost cost(String provider, String requestModel, Usage usage, CustomCost custom,
                     Map<String, ModelPrice> overrides) {
        List<String> models = candidates(usage, requestModel);
        String named = models.isEmpty() ? null : models.get(0);
        boolean estimated = usage != null && usage.estimated();
        boolean tokens = usage != null && usage.reported();

        if (custom != null && custom.isTotal()) {
            return Cost.totalOnly(custom.totalCost(), Cost.Source.CUSTOM_TOTAL, provider, named, false);
        }
        if (custom != null) {
            return tokens ? perToken(custom, usage, provider, named) : Cost.unknown(provider, named, estimated);
        }
        if (overrides != null && !overrides.isEmpty() && tokens) {
            for (String m : models) {
                Optional<Map.Entry<String, ModelPrice>> o = PriceTable.matchIn(overrides, m);
                if (o.isEmpty()) {
                    o = PriceTable.matchIn(overrides, table.canonicalModel(provider, m));
                }
                if (o.isPresent()) {
                    return price(o.get().getValue(), usage, Cost.Source.OVERRIDE, provider, o.get().getKey());
                }
            }
        }
        if (usage != null && usage.providerCostUsd() != null && table.trustsProviderCost(provider)) {
            return Cost.totalOnly(usage.providerCostUsd(), Cost.Source.PROVIDER_REPORTED, provider, named, estimated);
        }
        if (!tokens) {
            return Cost.unknown(provider, named, estimated);
        }
        for (String m : models) {
            Optional<PriceTable.Match> match = table.find(provider, m);
            if (match.isPresent()) {
                return price(match.get().price(), usage, Cost.Source.TABLE, provider, match.get().modelKey());
            }
        }
        return Cost.unknown(provider, named, estimated);
    }

    /**
     * What a cache hit saved: the cost the answer would have had from the provider (same rules as
     * {@link #cost(String, String, Usage, CustomCost, Map)}, with the cached answer's usage). The hit itself is
     * charged {@link Cost#cacheHit(String, String)}.
     */
    public Cost costSaved(String provider, String requestModel, Usage cachedUsage, CustomCost custom,
                          Map<String, ModelPrice> overrides) {
        return cost(provider, requestModel, cachedUsage, custom, overrides);
    }

    /**
     * A request's charge: {@link Cost#cacheHit} for a cache hit, else {@link #cost(String, String, Usage,
     * CustomCost, Map)} of its provider, model and usage.
     */
    public Cost charge(String provider, String requestModel, Usage usage, boolean cacheHit, CustomCost custom,
                       Map<String, ModelPrice> overrides) {
        if (cacheHit) {
            return Cost.cacheHit(provider, usage.model() != null ? usage.model() : requestModel);
        }
        return cost(provider, requestModel, usage, custom, overrides);
    }

    /** Token-based price of {@code usage} at {@code price} (USD per million tokens), per kind. */
    public static Cost price(ModelPrice price, Usage usage, Cost.Source source, String provider, String model) {
        Tokens t = Tokens.of(usage);
        ModelPrice p = price.forInputTokens(t.in);
        BigDecimal input = perMillion(t.uncached, p.input());
        BigDecimal cached = perMillion(t.cacheRead, p.cachedInputOrInput());
        BigDecimal write = perMillion(t.cacheWrite - t.cacheWrite1h, p.cacheWriteOrInput())
                .add(perMillion(t.cacheWrite1h, p.cacheWrite1hOrDefault()));
        BigDecimal output = perMillion(t.out, p.output());
        BigDecimal reasoning = perMillion(t.reasoning, p.output());
        return new Cost(input.add(cached).add(write).add(output), input, cached, write, output, reasoning, source,
                provider, model, usage.estimated());
    }

    private static Cost perToken(CustomCost c, Usage usage, String provider, String model) {
        Tokens t = Tokens.of(usage);
        BigDecimal readPrice = c.perCacheReadToken() != null ? c.perCacheReadToken() : c.perTokenIn();
        BigDecimal writePrice = c.perCacheWriteToken() != null ? c.perCacheWriteToken() : c.perTokenIn();
        BigDecimal input = c.perTokenIn().multiply(BigDecimal.valueOf(t.uncached));
        BigDecimal cached = readPrice.multiply(BigDecimal.valueOf(t.cacheRead));
        BigDecimal write = writePrice.multiply(BigDecimal.valueOf(t.cacheWrite));
        BigDecimal output = c.perTokenOut().multiply(BigDecimal.valueOf(t.out));
        BigDecimal reasoning = c.perTokenOut().multiply(BigDecimal.valueOf(t.reasoning));
        return new Cost(input.add(cached).add(write).add(output), input, cached, write, output, reasoning,
                Cost.Source.CUSTOM_PER_TOKEN, provider, model, usage.estimated());
    }

    private static BigDecimal perMillion(long tokens, BigDecimal pricePerMillion) {
        return tokens <= 0 ? BigDecimal.ZERO : pricePerMillion.multiply(BigDecimal.valueOf(tokens)).movePointLeft(6);
    }

    private static List<String> candidates(Usage usage, String requestModel) {
        List<String> out = new ArrayList<>(2);
        if (usage != null && usage.model() != null && !usage.model().isBlank()) {
            out.add(usage.model());
        }
        if (requestModel != null && !requestModel.isBlank() && !out.contains(requestModel)) {
            out.add(requestModel);
        }
        return out;
    }

    /** Usage counts made consistent: no part larger than the whole, unknown as 0. */
    private record Tokens(long in, long uncached, long cacheRead, long cacheWrite, long cacheWrite1h, long out,
                          long reasoning) {
        static Tokens of(Usage u) {
            long in = Math.max(0, u.tokensIn());
            long read = clamp(u.cacheReadTokens(), in);
            long write = clamp(u.cacheWriteTokens(), in - read);
            long write1h = clamp(u.cacheWrite1hTokens(), write);
            long out = Math.max(0, u.tokensOut());
            return new Tokens(in, in - read - write, read, write, write1h, out, clamp(u.reasoningTokens(), out));
        }

        private static long clamp(long v, long max) {
            return Math.max(0, Math.min(v, max));
        }
    }
}

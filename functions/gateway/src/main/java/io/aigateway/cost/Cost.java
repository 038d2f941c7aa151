package io.aigateway.cost;

import java.math.BigDecimal;
import java.util.Locale;

/**
 * What one request cost, in USD, and how that figure was reached. An unknown cost has a null {@link #total()}
 * (never 0): a model missing from the price table, or an answer that reported no tokens, is counted as unknown
 * rather than free.
 *
 * <p>The parts add up to the total: {@code input} (uncached input tokens), {@code cachedInput} (cache reads),
 * {@code cacheWrite} (cache writes) and {@code output} (output tokens, reasoning included). {@code reasoning} is the
 * share of {@code output} spent on reasoning tokens, for information: it is <i>not</i> added again. The parts are
 * null when only a total is known (a {@code total_cost} custom cost, a provider-reported figure).
 *
 * @param model     the price entry that matched (table or override id), or null
 * @param estimated some token count behind the figure was estimated, not reported by the provider
 */
public record Cost(BigDecimal total, BigDecimal input, BigDecimal cachedInput, BigDecimal cacheWrite,
                   BigDecimal output, BigDecimal reasoning, Source source, String provider, String model,
                   boolean estimated) {

    /** Where a cost came from, in order of precedence. */
    public enum Source {
        /** {@code cf-aig-custom-cost: {"total_cost": ...}} */
        CUSTOM_TOTAL,
        /** {@code cf-aig-custom-cost: {"per_token_in": ..., "per_token_out": ...}} */
        CUSTOM_PER_TOKEN,
        /** the gateway's {@code price_overrides} */
        OVERRIDE,
        /** the provider's own figure (OpenRouter, Perplexity {@code usage.cost}) */
        PROVIDER_REPORTED,
        /** the built-in pricing.json */
        TABLE,
        /** answered from the gateway's cache: the provider was not called */
        CACHE_HIT,
        UNKNOWN;

        /** Lower-case name, for logs. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public static Cost unknown(String provider, String model, boolean estimated) {
        return new Cost(null, null, null, null, null, null, Source.UNKNOWN, provider, model, estimated);
    }

    /** A cache hit: nothing charged (what it saved is {@link CostCalculator#costSaved}). */
    public static Cost cacheHit(String provider, String model) {
        BigDecimal z = BigDecimal.ZERO;
        return new Cost(z, z, z, z, z, z, Source.CACHE_HIT, provider, model, false);
    }

    static Cost totalOnly(BigDecimal total, Source source, String provider, String model, boolean estimated) {
        return new Cost(total, null, null, null, null, null, source, provider, model, estimated);
    }

    /** False when no price was found or no tokens were reported: {@link #total()} is then null. */
    public boolean known() {
        return total != null;
    }

    /** The total as a double (for metrics), or null when unknown. */
    public Double usd() {
        return total == null ? null : total.doubleValue();
    }

    @Override
    public String toString() {
        return known() ? "Cost{" + total.stripTrailingZeros().toPlainString() + " USD, " + source.label()
                + (model == null ? "" : ", " + model) + (estimated ? ", estimated" : "") + "}"
                : "Cost{unknown" + (model == null ? "" : ", " + model) + "}";
    }
}

package io.aigateway.cost;

/**
 * What a finished request cost, as its log and metrics state it.
 *
 * @param usd       USD; 0 for a cache hit; null when the price is unknown
 * @param savedUsd  for a cache hit, what the original request cost; else null
 * @param estimated the token counts were estimated (the provider reported none)
 */
public record Charge(Double usd, Double savedUsd, boolean estimated) {
    public static final Charge UNKNOWN = new Charge(null, null, false);
}

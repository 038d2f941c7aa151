package io.aigateway.cache;

import io.aigateway.core.Headers;

/**
 * One cached response, as the client first received it: status, the headers worth replaying, and the body bytes
 * exactly as they went out (a server-sent-events body included, event for event).
 *
 * @param stream           the entry answers streamed requests ({@code "stream": true} or a streaming endpoint)
 * @param tokensIn         as the provider reported them; -1 when it did not
 * @param createdAtMillis  when the provider's answer was stored
 * @param expiresAtSeconds epoch seconds; the entry is not served from that second on
 * @param cost             what the original request cost (USD), which is what a hit saves; null when unknown
 */
public record CacheEntry(int status, Headers headers, byte[] body, boolean stream, long tokensIn, long tokensOut,
                         String model, long createdAtMillis, long expiresAtSeconds, Double cost) {

    /** An entry whose original cost is unknown. */
    public CacheEntry(int status, Headers headers, byte[] body, boolean stream, long tokensIn, long tokensOut,
                      String model, long createdAtMillis, long expiresAtSeconds) {
        this(status, headers, body, stream, tokensIn, tokensOut, model, createdAtMillis, expiresAtSeconds, null);
    }

    public boolean expiredAt(long nowMillis) {
        return nowMillis >= expiresAtSeconds * 1000L;
    }

    /** Approximate heap cost, for the memory layer's byte budget. */
    long weight() {
        long w = 160L + body.length + (model == null ? 0 : 2L * model.length());
        int[] h = {0};
        headers.forEach((name, value) -> h[0] += 48 + 2 * (name.length() + value.length()));
        return w + h[0];
    }
}

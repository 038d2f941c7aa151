package io.aigateway.ratelimit;

import io.aigateway.config.RateLimitTechnique;

/** Rate-limit counters shared by every instance ({@link RateLimiter}: conditional DynamoDB updates). */
public interface RateCounters {
    /**
     * Counts one request against {@code limit} per {@code intervalSeconds} for {@code scope} of {@code gatewayId}.
     *
     * @throws RuntimeException when the store fails (the step decides between failing open and closed)
     */
    RateLimiter.Decision acquire(String gatewayId, String scope, int limit, int intervalSeconds,
                                 RateLimitTechnique technique);

    /** Gives back one request counted by an allowed decision (another limit refused the request). */
    void refund(RateLimiter.Decision decision);
}

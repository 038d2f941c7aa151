package io.aigateway.ratelimit;

import io.aigateway.config.RateLimitTechnique;
import io.aigateway.config.VirtualKey;
import io.aigateway.core.ErrorCode;
import io.aigateway.core.GatewayException;
import io.aigateway.core.GatewayResponse;
import io.aigateway.core.Headers;
import io.aigateway.pipeline.Interceptor;
import io.aigateway.pipeline.RequestContext;

/**
 * A key's own request limit ({@code rate_limit} of a virtual key): one fixed-window counter per key, after the
 * gateway's limits. Refused: 429 (2009) with {@code Retry-After}, naming the key. A store failure lets the request
 * through (counted), unless the gateway is set to {@code rate_limiting_fail_closed}.
 */
public final class KeyRateLimitStep implements Interceptor {
    private final RateLimiter limiter;

    public KeyRateLimitStep(RateLimiter limiter) {
        this.limiter = limiter;
    }

    @Override
    public GatewayResponse intercept(Chain chain) {
        RequestContext ex = chain.context();
        VirtualKey key = ex.key();
        if (key == null || key.rateLimit() == null) {
            return chain.proceed(chain.request());
        }
        VirtualKey.RequestLimit limit = key.rateLimit();
        RateLimiter.Decision d;
        try {
            d = limiter.acquire(ex.gatewayId(), "key=" + key.id() + ":" + limit.interval() + ":fixed", limit.limit(),
                    limit.interval(), RateLimitTechnique.FIXED);
        } catch (RuntimeException storeDown) {
            ex.storeError();
            if (ex.settings().rateLimitingFailClosed()) {
                ex.markRateLimited();
                throw new GatewayException(ErrorCode.RATE_LIMITED, "The rate limiter of gateway '" + ex.gatewayId()
                        + "' is unavailable and the gateway refuses requests then (rate_limiting_fail_closed: true)."
                        + " Retry after " + RateLimitStep.UNAVAILABLE_RETRY_SECONDS + " seconds.",
                        Headers.builder().add("Retry-After", Long.toString(RateLimitStep.UNAVAILABLE_RETRY_SECONDS))
                                .build(), null);
            }
            return chain.proceed(chain.request());
        }
        if (!d.allowed()) {
            ex.markRateLimited();
            throw new GatewayException(ErrorCode.RATE_LIMITED, "Rate limit exceeded: key '" + key.name() + "' (id "
                    + key.id() + ") allows " + limit.limit() + " requests per " + limit.interval()
                    + " seconds. Retry after " + d.retryAfterSeconds() + " seconds.",
                    Headers.builder().add("Retry-After", Long.toString(Math.max(1, d.retryAfterSeconds())))
                            .add("RateLimit-Limit", Integer.toString(d.limit()))
                            .add("RateLimit-Remaining", "0")
                            .add("RateLimit-Reset", Long.toString(d.resetSeconds())).build(), null);
        }
        return chain.proceed(chain.request());
    }
}

package io.aigateway.ratelimit;

import io.aigateway.core.GatewayResponse;
import io.aigateway.core.Interceptor;

/** CONTRACT STUB (being implemented): enforces the gateway's rate limits before any other work. */
public final class RateLimitStep implements Interceptor {
    public RateLimitStep(RateLimiter limiter) {
    }

    @Override
    public GatewayResponse intercept(Chain chain) {
        return chain.proceed();
    }
}

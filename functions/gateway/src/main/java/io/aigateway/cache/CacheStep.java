package io.aigateway.cache;

import io.aigateway.core.GatewayResponse;
import io.aigateway.core.Interceptor;

import java.util.concurrent.ExecutorService;

/** CONTRACT STUB (being implemented): answers from the cache, stores successful responses. */
public final class CacheStep implements Interceptor {
    public CacheStep(CacheStore store, ExecutorService background) {
    }

    @Override
    public GatewayResponse intercept(Chain chain) {
        return chain.proceed();
    }
}

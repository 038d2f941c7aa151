package io.aigateway.core;

/**
 * One pipeline step (OkHttp's shape): answer early, or hand on with {@link Chain#proceed()}. The list of steps,
 * in order, is in {@link io.aigateway.Gateway}.
 */
@FunctionalInterface
public interface Interceptor {
    GatewayResponse intercept(Chain chain);

    interface Chain {
        Exchange exchange();

        GatewayResponse proceed();
    }
}

package io.aigateway.pipeline;

import io.aigateway.core.GatewayResponse;

/**
 * One pipeline step, in OkHttp's shape: read the request, then answer early or hand a request (the same one or a
 * changed copy) to the rest of the pipeline with {@link Chain#proceed}. The steps of a gateway, in order, are put
 * together in one place, {@link io.aigateway.GatewayApp}.
 */
@FunctionalInterface
public interface Interceptor {
    GatewayResponse intercept(Chain chain);

    interface Chain {
        /** The request as it reaches this step; immutable (steps change it by proceeding with a copy). */
        ProxyRequest request();

        /** What the steps of this request share: who is asking, and what has happened so far. */
        RequestContext context();

        /**
         * Runs the rest of the pipeline on {@code request} and returns its answer. A step calls it at most once;
         * the chain refuses a second call and a null request or answer.
         */
        GatewayResponse proceed(ProxyRequest request);
    }
}

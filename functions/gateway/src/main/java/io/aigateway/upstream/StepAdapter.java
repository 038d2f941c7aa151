package io.aigateway.upstream;

import io.aigateway.config.RetryPolicy;
import io.aigateway.core.GatewayRequest;
import io.aigateway.core.GatewayResponse;
import io.aigateway.pipeline.ProxyRequest;
import io.aigateway.pipeline.RequestContext;

import java.util.function.UnaryOperator;

/**
 * A universal-endpoint step whose {@code provider} is not a provider but an endpoint of the gateway (the
 * OpenAI-compatible {@code compat}): it turns the step into a provider request, and that provider's answer back.
 */
public interface StepAdapter {

    /** The {@code provider} value of the steps this adapter serves. */
    String provider();

    /**
     * @param step     the step as a request: its merged headers, its {@code query} as the body
     * @param endpoint the step's {@code endpoint}, without a query
     * @param retry    the step's retries and timeout
     * @throws io.aigateway.core.GatewayException when the step cannot be served (named in the message)
     */
    Adapted adapt(RequestContext ex, GatewayRequest step, String endpoint, RetryPolicy retry);

    /** The provider request, and what turns its final answer into the step's. */
    record Adapted(ProxyRequest request, UnaryOperator<GatewayResponse> answer) {
    }
}

package io.aigateway.pipeline;

import io.aigateway.core.GatewayResponse;

import java.util.List;
import java.util.Objects;

/**
 * Runs steps in order and holds each to the contract: {@link Interceptor.Chain#proceed} at most once per step,
 * never with null, never answered with null, and the last step answers. Every request a step proceeds with becomes
 * the context's {@link RequestContext#target()}, so the log names what was actually sent.
 */
public final class StepChain implements Interceptor.Chain {
    private final List<Interceptor> steps;
    private final int index;
    private final RequestContext context;
    private final ProxyRequest request;
    private boolean proceeded;

    private StepChain(List<Interceptor> steps, int index, RequestContext context, ProxyRequest request) {
        this.steps = steps;
        this.index = index;
        this.context = context;
        this.request = request;
    }

    /** Runs {@code steps} on {@code request}. */
    public static GatewayResponse run(List<Interceptor> steps, RequestContext context, ProxyRequest request) {
        Objects.requireNonNull(request, "request");
        context.target(request);
        return new StepChain(steps, 0, context, request).answer();
    }

    @Override
    public ProxyRequest request() {
        return request;
    }

    @Override
    public RequestContext context() {
        return context;
    }

    @Override
    public GatewayResponse proceed(ProxyRequest next) {
        if (proceeded) {
            throw new IllegalStateException(name(index - 1) + " called proceed() twice");
        }
        proceeded = true;
        Objects.requireNonNull(next, () -> name(index - 1) + " proceeded with a null request");
        context.target(next);
        return new StepChain(steps, index, context, next).answer();
    }

    private GatewayResponse answer() {
        if (index >= steps.size()) {
            throw new IllegalStateException("the last pipeline step (" + name(index - 1) + ") must answer");
        }
        GatewayResponse response = steps.get(index).intercept(new StepChain(steps, index + 1, context, request));
        if (response == null) {
            throw new IllegalStateException(name(index) + " answered null");
        }
        return response;
    }

    private String name(int i) {
        return i < 0 ? "the caller" : steps.get(i).getClass().getSimpleName();
    }
}

package io.aigateway.core;

import java.util.List;

/** Runs the steps in order; the last step must answer. */
public final class InterceptorChain implements Interceptor.Chain {
    private final List<Interceptor> steps;
    private final int index;
    private final Exchange exchange;

    public InterceptorChain(List<Interceptor> steps, Exchange exchange) {
        this(steps, 0, exchange);
    }

    private InterceptorChain(List<Interceptor> steps, int index, Exchange exchange) {
        this.steps = steps;
        this.index = index;
        this.exchange = exchange;
    }

    @Override
    public Exchange exchange() {
        return exchange;
    }

    @Override
    public GatewayResponse proceed() {
        if (index >= steps.size()) {
            throw new IllegalStateException("the last pipeline step must answer");
        }
        return steps.get(index).intercept(new InterceptorChain(steps, index + 1, exchange));
    }
}

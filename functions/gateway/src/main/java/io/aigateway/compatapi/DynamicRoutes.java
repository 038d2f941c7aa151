package io.aigateway.compatapi;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aigateway.pipeline.Interceptor;
import io.aigateway.pipeline.RequestContext;
import io.aigateway.ratelimit.RateCounters;

import io.aigateway.routes.RouteBook;

import java.util.List;
import java.util.random.RandomGenerator;

/** {@code model: "dynamic/{name}"}: the gateway's live route of that name (or {@code name@N}, version N). */
public final class DynamicRoutes implements CompatEndpoint.Routes {
    private final RouteBook book;
    private final CompatEndpoint endpoint;
    private final List<Interceptor> providerSteps;
    private final RateCounters limiter;
    private final RandomGenerator random;

    /**
     * @param random draws for percentage elements; it must be safe to share between threads (see {@link #threadLocal()})
     */
    public DynamicRoutes(RouteBook book, CompatEndpoint endpoint, List<Interceptor> providerSteps, RateCounters limiter,
                         RandomGenerator random) {
        this.book = book;
        this.endpoint = endpoint;
        this.providerSteps = List.copyOf(providerSteps);
        this.limiter = limiter;
        this.random = random;
    }

    /** Each thread's own generator (ThreadLocalRandom): what production uses. */
    public static RandomGenerator threadLocal() {
        return () -> java.util.concurrent.ThreadLocalRandom.current().nextLong();
    }

    @Override
    public Interceptor runner(RequestContext ex, String name, CompatEndpoint.Operation op, ObjectNode body) {
        return book.find(ex.gatewayId(), name)
                .<Interceptor>map(route -> new RouteRunner(route, op, body, endpoint, providerSteps, limiter, random))
                .orElse(null);
    }
}

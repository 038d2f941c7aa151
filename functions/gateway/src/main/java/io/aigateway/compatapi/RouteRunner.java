package io.aigateway.compatapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aigateway.compat.CompatModel;
import io.aigateway.config.RateLimitTechnique;
import io.aigateway.config.VirtualKey;
import io.aigateway.config.RetryPolicy;
import io.aigateway.core.ErrorCode;
import io.aigateway.core.GatewayException;
import io.aigateway.core.GatewayResponse;
import io.aigateway.core.Hashing;
import io.aigateway.core.Headers;
import io.aigateway.core.Json;
import io.aigateway.core.ResponseBody;
import io.aigateway.pipeline.Interceptor;
import io.aigateway.pipeline.RequestContext;
import io.aigateway.pipeline.StepChain;
import io.aigateway.ratelimit.RateCounters;
import io.aigateway.ratelimit.RateLimiter;
import io.aigateway.routes.Route;
import io.aigateway.routes.RouteElement;
import io.aigateway.upstream.UpstreamStep;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * Runs one dynamic route for one compat request, as the last request step: walks the elements from the start,
 * recording each element id in the request's {@link io.aigateway.pipeline.RouteTrace}; a model element runs the
 * provider steps (cache, upstream) on its translated request, exactly as a direct compat call does, and falls back
 * along its {@code fallback} output when the call fails (connection failure, timeout, 408, 429, 5xx, or a gateway
 * limit answering 429).
 */
final class RouteRunner implements Interceptor {
    private static final Logger LOG = LoggerFactory.getLogger(RouteRunner.class);

    private final Route route;
    private final CompatEndpoint.Operation op;
    private final ObjectNode body;
    private final CompatEndpoint endpoint;
    private final List<Interceptor> providerSteps;
    private final RateCounters limiter;
    private final RandomGenerator random;

    RouteRunner(Route route, CompatEndpoint.Operation op, ObjectNode body, CompatEndpoint endpoint,
                List<Interceptor> providerSteps, RateCounters limiter, RandomGenerator random) {
        this.route = route;
        this.op = op;
        this.body = body;
        this.endpoint = endpoint;
        this.providerSteps = providerSteps;
        this.limiter = limiter;
        this.random = random;
    }

    @Override
    public GatewayResponse intercept(Chain chain) {
        RequestContext ex = chain.context();
        ex.routeTrace().route(route.name(), route.version());
        String id = route.start();
        int models = 0;
        String failedProvider = null;
        while (true) {
            RouteElement element = route.element(id);
            ex.routeTrace().visit(id);
            switch (element) {
                case RouteElement.Start s -> id = s.next();
                case RouteElement.Conditional c -> {
                    String failed = failedProvider;
                    id = c.condition().test(field -> field(ex, field, failed)) ? c.whenTrue() : c.whenFalse();
                }
                case RouteElement.Percentage p -> id = p.pick(random);
                case RouteElement.RateLimit r -> id = rateLimit(ex, r, failedProvider);
                case RouteElement.Model m -> {
                    ex.nextFallbackStep(models);
                    CompatEndpoint.Prepared call = endpoint.prepare(ex, chain.request().http(), op, body,
                            new CompatModel.ProviderModel(m.provider(), m.model()), params(m, chain), retry(m, ex));
                    GatewayResponse answer;
                    try {
                        answer = StepChain.run(providerSteps, ex, call.request());
                    } catch (GatewayException failure) {
                        if (m.fallback() != null && (failure.code().status() == 429 || failure.code().status() >= 500)) {
                            ex.fallbacks().failed(models++);
                            failedProvider = m.provider();
                            id = m.fallback();
                            continue;
                        }
                        throw failure;
                    }
                    if (m.fallback() != null && RetryPolicy.retryableStatus(answer.status())) {
                        discard(answer, ex);
                        ex.fallbacks().failed(models++);
                        failedProvider = m.provider();
                        id = m.fallback();
                        continue;
                    }
                    ex.routeTrace().visit(m.success()); // validated: an end
                    return call.answer().translate(answer);
                }
                case RouteElement.End e -> throw new GatewayException(ErrorCode.ROUTE_INVALID, "Route '" + route.name()
                        + "' (version " + route.version() + ") reached its end '" + e.id() + "' without calling a"
                        + " model; give that path a model element.");
            }
        }
    }

    /**
     * A field a condition reads (see {@link io.aigateway.routes.Condition}): {@code metadata.<key>} from
     * cf-aig-metadata (with the key's identity merged in), {@code body.<field>} from the OpenAI request,
     * {@code key.*} from the virtual key the request was authenticated with, {@code model} as the client asked for
     * it, {@code provider} of the model element that failed last. Null when the request has no such field.
     */
    private JsonNode field(RequestContext ex, String field, String failedProvider) {
        VirtualKey key = ex.key();
        return switch (field) {
            case "model" -> text(ex.routeTrace().requestedModel());
            case "provider" -> text(failedProvider);
            case "key.id" -> key == null ? null : text(key.id());
            case "key.name" -> key == null ? null : text(key.name());
            default -> {
                if (field.startsWith("key.metadata.")) {
                    yield key == null ? null : tree(key.metadata().get(field.substring("key.metadata.".length())));
                }
                if (field.startsWith("metadata.")) {
                    yield ex.options() == null ? null
                            : tree(ex.options().metadata().get(field.substring("metadata.".length())));
                }
                yield body.get(field.substring("body.".length()));
            }
        };
    }

    private static JsonNode text(String value) {
        return value == null ? null : Json.MAPPER.getNodeFactory().textNode(value);
    }

    private static JsonNode tree(Object value) {
        return value == null ? null : Json.MAPPER.valueToTree(value);
    }

    private String rateLimit(RequestContext ex, RouteElement.RateLimit r, String failedProvider) {
        String value = null;
        if (r.key() != null) {
            JsonNode v = field(ex, r.key(), failedProvider);
            value = v == null || v.isNull() ? null : v.isTextual() ? v.asText() : v.toString();
        }
        RateLimitTechnique technique = r.sliding() ? RateLimitTechnique.SLIDING : RateLimitTechnique.FIXED;
        String scope = "route:" + route.name() + ":" + r.id() + "="
                + (value == null ? "none" : Hashing.sha256Hex(ex.gatewayId() + "\u0000" + route.name() + "\u0000" + value))
                + ":" + r.interval() + ":" + technique.label();
        RateLimiter.Decision decision;
        try {
            decision = limiter.acquire(ex.gatewayId(), scope, r.limit(), r.interval(), technique);
        } catch (RuntimeException storeFailure) {
            ex.storeError();
            LOG.warn("route rate limit of {} unavailable, letting the request through: {}", route.name(),
                    storeFailure.toString());
            return r.success();
        }
        if (decision.allowed()) {
            return r.success();
        }
        if (r.fallback() != null) {
            return r.fallback();
        }
        ex.markRateLimited();
        throw new GatewayException(ErrorCode.RATE_LIMITED, "Rate limit of route '" + route.name() + "' (element '"
                + r.id() + "': " + r.limit() + " requests per " + r.interval() + " s) reached. Retry after "
                + Math.max(1, decision.retryAfterSeconds()) + " seconds.",
                Headers.builder().add("Retry-After", Long.toString(Math.max(1, decision.retryAfterSeconds()))).build(),
                null);
    }

    private static Map<String, String> params(RouteElement.Model m, Chain chain) {
        Map<String, String> params = new HashMap<>(Mount.fromHeaders(chain.request().http().headers()));
        params.putAll(m.params());
        return params;
    }

    private static RetryPolicy retry(RouteElement.Model m, RequestContext ex) {
        RetryPolicy base = UpstreamStep.policy(ex.options(), ex.settings());
        return new RetryPolicy(m.retries() >= 0 ? m.retries() + 1 : base.maxAttempts(), base.delayMillis(),
                base.backoff(), m.timeoutMillis() > 0 ? Duration.ofMillis(m.timeoutMillis()) : base.timeout());
    }

    private static void discard(GatewayResponse response, RequestContext ex) {
        if (response.body() instanceof ResponseBody.Stream stream) {
            boolean gone = ex.answer().clientGone();
            stream.abort();
            ex.answer().clientGone(gone); // the gateway dropped this answer, not the client
        }
    }
}

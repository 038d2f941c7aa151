package io.aigateway.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import io.aigateway.config.RetryPolicy;
import io.aigateway.core.Backoff;
import io.aigateway.core.ErrorCode;
import io.aigateway.core.GatewayException;
import io.aigateway.core.GatewayRequest;
import io.aigateway.core.GatewayResponse;
import io.aigateway.core.Headers;
import io.aigateway.core.Json;
import io.aigateway.core.RequestOptions;
import io.aigateway.core.ResponseBody;
import io.aigateway.pipeline.Interceptor;
import io.aigateway.pipeline.ProxyRequest;
import io.aigateway.pipeline.RequestContext;
import io.aigateway.pipeline.StepChain;
import io.aigateway.provider.ProxyRoute;
import io.aigateway.provider.RequestBodyInfo;
import io.aigateway.provider.RouteParser;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The universal endpoint ({@code POST /v1/{account}/{gateway}}): a JSON array of steps, each a provider request,
 * tried in order. A step's retries run inside it (its {@code config}); the next step runs when a step fails to
 * connect, times out, or answers 408, 429 or 5xx. Step headers beat request headers, which beat gateway settings.
 * Each step runs through the per-provider steps (cache, upstream) as a direct request would.
 */
public final class UniversalStep implements Interceptor {
    private static final int MAX_STEPS = 10;

    private final RouteParser routes;
    private final List<Interceptor> providerSteps;
    private final Map<String, StepAdapter> adapters;

    public UniversalStep(RouteParser routes, List<Interceptor> providerSteps) {
        this(routes, providerSteps, List.of());
    }

    /** @param adapters steps for gateway endpoints rather than providers (the OpenAI-compatible {@code compat}) */
    public UniversalStep(RouteParser routes, List<Interceptor> providerSteps, List<StepAdapter> adapters) {
        this.routes = routes;
        this.providerSteps = List.copyOf(providerSteps);
        Map<String, StepAdapter> byName = new java.util.HashMap<>();
        adapters.forEach(a -> byName.put(a.provider(), a));
        this.adapters = Map.copyOf(byName);
    }

    /** A step's provider request and what makes its answer the step's answer (identity for a provider step). */
    private record Step(ProxyRequest request, java.util.function.UnaryOperator<GatewayResponse> answer) {
    }

    /**
     * Runs each step's request through the provider steps in turn; this step does not proceed down its own chain
     * (it is the last of the request steps), it answers with the step that succeeded.
     */
    @Override
    public GatewayResponse intercept(Chain chain) {
        RequestContext ex = chain.context();
        List<Step> steps = parse(ex);
        GatewayException lastFailure = null;
        for (int i = 0; i < steps.size(); i++) {
            boolean last = i == steps.size() - 1;
            ex.nextFallbackStep(i);
            try {
                GatewayResponse response = StepChain.run(providerSteps, ex, steps.get(i).request());
                if (!last && RetryPolicy.retryableStatus(response.status())) {
                    discard(response, ex);
                    ex.fallbacks().failed(i);
                    continue;
                }
                response = steps.get(i).answer().apply(response);
                return response.withHeaders(response.headers().toBuilder().set("cf-aig-step", Integer.toString(i)).build());
            } catch (GatewayException failure) {
                if (failure.code() != ErrorCode.UPSTREAM_TIMEOUT && failure.code() != ErrorCode.UPSTREAM_UNREACHABLE) {
                    throw failure;
                }
                lastFailure = failure;
                ex.fallbacks().failed(i);
            }
        }
        throw new GatewayException(lastFailure.code(), "Every step failed; the last one: " + lastFailure.getMessage(),
                Headers.builder().add("cf-aig-step", Integer.toString(steps.size() - 1)).build(), null);
    }

    private static void discard(GatewayResponse response, RequestContext ex) {
        if (response.body() instanceof ResponseBody.Stream stream) {
            boolean gone = ex.answer().clientGone();
            stream.abort();
            ex.answer().clientGone(gone); // the gateway dropped this answer, not the client
        }
    }

    private List<Step> parse(RequestContext ex) {
        GatewayRequest client = ex.clientRequest();
        if (!"POST".equals(client.method())) {
            throw new GatewayException(ErrorCode.METHOD_NOT_ALLOWED,
                    "The universal endpoint takes POST with a JSON array of steps.");
        }
        JsonNode array;
        try {
            array = Json.MAPPER.readTree(client.body());
        } catch (Exception e) {
            array = null;
        }
        if (array == null || !array.isArray() || array.isEmpty() || array.size() > MAX_STEPS) {
            throw bad("The body must be a JSON array of 1-" + MAX_STEPS
                    + " steps: [{\"provider\": \"openai\", \"endpoint\": \"chat/completions\", \"headers\": {...}, \"query\": {...}}].");
        }
        RequestOptions clientOptions = ex.options();
        List<Step> steps = new ArrayList<>(array.size());
        for (int i = 0; i < array.size(); i++) {
            steps.add(step(ex, array.get(i), i, clientOptions));
        }
        return steps;
    }

    private Step step(RequestContext ex, JsonNode node, int index, RequestOptions clientOptions) {
        String where = "Step " + index + ": ";
        if (!node.isObject() || !node.path("provider").isTextual() || !node.path("endpoint").isTextual()) {
            throw bad(where + "needs \"provider\" and \"endpoint\" strings.");
        }
        String endpoint = node.get("endpoint").asText();
        String query = "";
        int q = endpoint.indexOf('?');
        if (q >= 0) {
            query = endpoint.substring(q + 1);
            endpoint = endpoint.substring(0, q);
        }
        String rest = endpoint.startsWith("/") ? endpoint : "/" + endpoint;
        StepAdapter adapter = adapters.get(node.get("provider").asText());
        ProxyRoute route = null;
        if (adapter == null) {
            try {
                route = routes.parse(new RouteParser.GatewayPath(ex.account(), ex.gatewayId(),
                        node.get("provider").asText(), rest), query);
            } catch (GatewayException e) {
                throw new GatewayException(e.code(), where + e.getMessage());
            }
        }
        Headers.Builder headers = ex.clientRequest().headers().toBuilder().remove("content-length");
        JsonNode stepHeaders = node.path("headers");
        if (!stepHeaders.isMissingNode() && !stepHeaders.isObject()) {
            throw bad(where + "\"headers\" must be an object of strings.");
        }
        Iterator<Map.Entry<String, JsonNode>> fields = stepHeaders.properties().iterator();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> h = fields.next();
            if (!h.getValue().isValueNode()) {
                throw bad(where + "header '" + h.getKey() + "' must be a string.");
            }
            if (!Headers.isToken(h.getKey()) || !Headers.isSafeValue(h.getValue().asText())) {
                throw new GatewayException(ErrorCode.BAD_HEADER, where + "header '" + Headers.printable(h.getKey())
                        + "' needs a valid HTTP field name and a value on one line (no CR, LF or NUL).");
            }
            headers.set(h.getKey(), h.getValue().asText());
        }
        JsonNode body = node.path("query");
        byte[] bytes = body.isMissingNode() ? new byte[0] : body.toString().getBytes(StandardCharsets.UTF_8);
        if (bytes.length > 0 && ex.clientRequest().headers().firstOrNull("content-type") == null
                && !stepHeaders.has("content-type")) {
            headers.set("content-type", "application/json");
        }
        Headers merged = headers.build();
        GatewayRequest client = ex.clientRequest();
        GatewayRequest request = new GatewayRequest("POST", client.rawPath(), query, merged, bytes, client.clientIp(),
                client.receivedAtMillis(), client.receivedAtNanos());
        RequestOptions stepOptions;
        try {
            stepOptions = RequestOptions.parse(merged);
        } catch (GatewayException e) {
            throw new GatewayException(e.code(), where + e.getMessage());
        }
        RetryPolicy base = UpstreamStep.policy(stepOptions, ex.settings());
        JsonNode config = node.path("config");
        RetryPolicy policy = new RetryPolicy(
                intIn(config, "maxAttempts", base.maxAttempts(), 1, 5, where),
                intIn(config, "retryDelay", base.delayMillis(), 0, RetryPolicy.MAX_DELAY_MS, where),
                config.has("backoff") ? backoff(config.get("backoff"), where) : base.backoff(),
                config.has("requestTimeout")
                        ? Duration.ofMillis(intIn(config, "requestTimeout", 0, 1, 900_000, where))
                        : base.timeout());
        if (adapter != null) {
            try {
                StepAdapter.Adapted adapted = adapter.adapt(ex, request, rest, policy);
                return new Step(adapted.request(), adapted.answer());
            } catch (GatewayException e) {
                throw new GatewayException(e.code(), where + e.getMessage());
            }
        }
        RequestBodyInfo info = RequestBodyInfo.inspect(bytes);
        return new Step(new ProxyRequest(request, route, info.modelFor(route), info.streamFor(route), policy),
                java.util.function.UnaryOperator.identity());
    }

    private static int intIn(JsonNode config, String field, int fallback, int min, int max, String where) {
        JsonNode v = config.get(field);
        if (v == null) {
            return fallback;
        }
        if (!v.isIntegralNumber() || v.asLong() < min || v.asLong() > max) {
            throw bad(where + "config." + field + " must be a whole number from " + min + " to " + max + ".");
        }
        return v.asInt();
    }

    private static Backoff backoff(JsonNode v, String where) {
        return Backoff.parse(v.isTextual() ? v.asText() : null)
                .orElseThrow(() -> bad(where + "config.backoff must be constant, linear or exponential."));
    }

    private static GatewayException bad(String message) {
        return new GatewayException(ErrorCode.BAD_REQUEST, message);
    }
}

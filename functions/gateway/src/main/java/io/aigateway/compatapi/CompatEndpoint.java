package io.aigateway.compatapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aigateway.compat.ChatTranslator;
import io.aigateway.compat.CompatModel;
import io.aigateway.compat.CompatTranslators;
import io.aigateway.compat.EmbeddingsTranslator;
import io.aigateway.compat.TranslatedRequest;
import io.aigateway.compat.UnsupportedParameterException;
import io.aigateway.config.RetryPolicy;
import io.aigateway.core.ErrorCode;
import io.aigateway.core.GatewayException;
import io.aigateway.core.GatewayRequest;
import io.aigateway.core.Headers;
import io.aigateway.core.Json;
import io.aigateway.pipeline.Interceptor;
import io.aigateway.pipeline.ProxyRequest;
import io.aigateway.pipeline.RequestContext;
import io.aigateway.provider.ProxyRoute;
import io.aigateway.provider.RouteParser;

import java.util.Map;

/**
 * The OpenAI-compatible endpoint, {@code /v1/{account}/{gateway}/compat/chat/completions} and
 * {@code /compat/embeddings}: an OpenAI request for {@code model: "{provider}/{model}"} becomes an ordinary
 * {@link ProxyRequest} to that provider (its native path and body, the client's key where the provider reads it), so
 * every step of the pipeline (auth, limits, cache, logs, cost, metrics) treats it as a direct request to that
 * provider; the provider's answer is translated back by an {@link AnswerTranslation}.
 */
public final class CompatEndpoint {
    public static final String SLUG = "compat";

    public enum Operation {
        CHAT("/chat/completions"), EMBEDDINGS("/embeddings");

        private final String path;

        Operation(String path) {
            this.path = path;
        }

        public String path() {
            return path;
        }

        /** The operation a path after {@code /compat} names. */
        public static Operation of(String rest) {
            String path = rest.endsWith("/") ? rest.substring(0, rest.length() - 1) : rest;
            for (Operation op : values()) {
                if (op.path.equals(path)) {
                    return op;
                }
            }
            throw new GatewayException(ErrorCode.ROUTE_NOT_FOUND, "The OpenAI-compatible endpoint serves "
                    + "/compat/chat/completions and /compat/embeddings (POST), not '" + Headers.printable(rest) + "'.");
        }
    }

    /** One provider call: the request for the provider steps, and how its answer becomes OpenAI's. */
    public record Prepared(ProxyRequest request, AnswerTranslation answer) {
    }

    /** What a compat request runs. */
    public sealed interface Plan {
        /** One provider model: the request steps and provider steps run on {@code call.request()}. */
        record Direct(Prepared call) implements Plan {
        }

        /** A dynamic route: the request steps run on {@code request}, then {@code runner} walks the route. */
        record Routed(ProxyRequest request, Interceptor runner) implements Plan {
        }
    }

    /** Finds a dynamic route's runner; null when there is no route of that name. */
    @FunctionalInterface
    public interface Routes {
        Interceptor runner(RequestContext ex, String name, Operation op, ObjectNode body);
    }

    private final RouteParser routes;
    private final CompatTranslators translators;
    private final java.util.Set<String> keyHeaders;
    private Routes dynamicRoutes = (ex, name, op, body) -> null;
    private java.util.function.BiPredicate<RequestContext, Headers> gatewaySignsBedrock = (ex, headers) -> false;

    public CompatEndpoint(RouteParser routes, CompatTranslators translators) {
        this.routes = routes;
        this.translators = translators;
        this.keyHeaders = routes.registry().ownKeyHeaders();
    }

    /**
     * Whether the gateway signs a Bedrock request itself (it holds AWS credentials for it): then a client needs no
     * Bedrock API key of its own (set once, at assembly).
     */
    public CompatEndpoint withBedrockSigning(java.util.function.BiPredicate<RequestContext, Headers> signs) {
        this.gatewaySignsBedrock = signs;
        return this;
    }

    /** Where {@code dynamic/{name}} models are looked up (set once, at assembly). */
    public CompatEndpoint withRoutes(Routes lookup) {
        this.dynamicRoutes = lookup;
        return this;
    }

    /**
     * @param rest the path after {@code /compat}
     * @throws UnsupportedParameterException for a parameter the provider cannot honour (400, 2048)
     */
    public Plan plan(RequestContext ex, GatewayRequest client, String rest) {
        Operation op = Operation.of(rest);
        if (!"POST".equals(client.method())) {
            throw new GatewayException(ErrorCode.METHOD_NOT_ALLOWED, "The OpenAI-compatible endpoint takes POST.");
        }
        ObjectNode body = body(client.body());
        String asked = body.path("model").isTextual() ? body.get("model").asText() : null;
        ex.routeTrace().requested(asked);
        CompatModel model = CompatModel.parse(ModelNames.resolve(asked, ex.settings()));
        return switch (model) {
            case CompatModel.ProviderModel pm -> new Plan.Direct(
                    prepare(ex, client, op, body, pm, Mount.fromHeaders(client.headers()), null));
            case CompatModel.RouteRef ref -> {
                Interceptor runner = dynamicRoutes.runner(ex, ref.route(), op, body);
                if (runner == null) {
                    throw new GatewayException(ErrorCode.ROUTE_INVALID, "Gateway '" + ex.gatewayId()
                            + "' has no route named '" + Headers.printable(ref.route()) + "' (model 'dynamic/"
                            + Headers.printable(ref.route()) + "'). Create it with PUT /api/v1/gateways/"
                            + ex.gatewayId() + "/routes/{name}.");
                }
                yield new Plan.Routed(new ProxyRequest(client, null, asked, body.path("stream").asBoolean(false),
                        null), runner);
            }
        };
    }

    /**
     * The provider request for one target model.
     *
     * @param params a provider's location parts (region, project, location, resource), see {@link Mount}
     * @param retry  retries and timeout; null: from the request's headers and the gateway settings
     */
    public Prepared prepare(RequestContext ex, GatewayRequest client, Operation op, ObjectNode body,
                            CompatModel.ProviderModel target, Map<String, String> params, RetryPolicy retry) {
        String answeredAs = target.provider() + "/" + target.model();
        TranslatedRequest translated;
        AnswerTranslation answer;
        if (op == Operation.CHAT) {
            ChatTranslator t = translators.chatFor(target);
            translated = t.toProvider(body, target.model());
            answer = new ChatAnswer(t, body, answeredAs, translated.stream());
        } else {
            EmbeddingsTranslator t = translators.embeddingsFor(target);
            translated = t.toProvider(body, target.model());
            answer = new EmbeddingsAnswer(t, body, answeredAs);
        }
        String rest = Mount.rest(target.provider(), translated.path(), target.model(), params);
        int q = rest.indexOf('?');
        String path = q < 0 ? rest : rest.substring(0, q);
        String query = q < 0 ? "" : rest.substring(q + 1);
        ProxyRoute route = routes.parse(new RouteParser.GatewayPath(ex.account(), ex.gatewayId(), target.provider(),
                path), query);

        Headers.Builder headers = client.headers().toBuilder().remove("content-length").remove("content-type");
        for (String name : client.headers().names()) {
            if (name.startsWith(Mount.HEADER_PREFIX)) {
                headers.remove(name);
            }
        }
        ProviderAuth.apply(route.provider(), keyHeaders, headers, client.headers(),
                "aws-bedrock".equals(target.provider()) && gatewaySignsBedrock.test(ex, client.headers()));
        translated.headers().forEach(headers::set);
        headers.set("content-type", "application/json");
        GatewayRequest http = new GatewayRequest(translated.method(), client.rawPath(), query, headers.build(),
                translated.body(), client.clientIp(), client.receivedAtMillis(), client.receivedAtNanos());
        return new Prepared(new ProxyRequest(http, route, target.model(), translated.stream(), retry), answer);
    }

    private static ObjectNode body(byte[] bytes) {
        JsonNode node;
        try {
            node = bytes.length == 0 ? null : Json.MAPPER.readTree(bytes);
        } catch (Exception e) {
            node = null;
        }
        if (!(node instanceof ObjectNode object)) {
            throw new GatewayException(ErrorCode.BAD_REQUEST, "The body must be a JSON object: an OpenAI request such"
                    + " as {\"model\": \"anthropic/claude-sonnet-4-5\", \"messages\": [...]}.");
        }
        return object;
    }
}

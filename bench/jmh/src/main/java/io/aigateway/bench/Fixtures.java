package io.aigateway.bench;

import io.aigateway.core.GatewayResponse;
import io.aigateway.core.ResponseBody;
import io.aigateway.pipeline.ProxyRequest;
import io.aigateway.pipeline.RequestContext;
import io.aigateway.pipeline.StepChain;
import io.aigateway.provider.ProxyRoute;
import java.util.List;
import io.aigateway.core.GatewayRequest;
import io.aigateway.core.Headers;
import io.aigateway.core.RequestOptions;
import io.aigateway.provider.ProviderRegistry;
import io.aigateway.provider.RequestBodyInfo;
import io.aigateway.provider.RouteParser;
import io.aigateway.provider.Usage;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Optional;

/**
 * Realistic inputs shared by the benchmarks: bodies from {@code src/main/resources/fixtures} (a ~1 KB chat
 * completion request, a ~1.5 KB OpenAI response, an OpenAI and an Anthropic SSE stream) and a fully populated
 * {@link RequestContext} as the pipeline leaves it after a successful, non-streamed OpenAI chat completion.
 */
public final class Fixtures {
    public static final String OPENAI_PATH = "/v1/acct/default/openai/chat/completions";
    public static final String BEDROCK_PATH =
            "/v1/acct/default/aws-bedrock/bedrock-runtime/us-east-1/model/anthropic.claude-3-5-sonnet-20240620-v1:0/invoke";
    public static final String AUTHORIZATION = "Bearer sk-proj-4fT9qXk2Lw8sVn3pRy6bHc1mZd7gJe5aUo0iKt2NwQ8xYvB3rLs9";
    public static final String LOG_ID = "01JHG7Q4N8W2X5Y3Z6A9B1C0DE";

    private Fixtures() {
    }

    public static byte[] bytes(String name) {
        try (InputStream in = Fixtures.class.getResourceAsStream("/fixtures/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing fixture " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static RouteParser routeParser() {
        return new RouteParser(new ProviderRegistry(Map.of()), Optional.empty());
    }

    public static Headers requestHeaders() {
        return Headers.builder()
                .add("host", "abc123.lambda-url.us-east-1.on.aws")
                .add("content-type", "application/json")
                .add("accept", "application/json")
                .add("authorization", AUTHORIZATION)
                .add("user-agent", "OpenAI/Python 1.59.7")
                .add("x-stainless-lang", "python")
                .add("x-stainless-package-version", "1.59.7")
                .add("x-stainless-runtime", "CPython")
                .add("accept-encoding", "gzip, deflate")
                .add("content-length", "933")
                .build();
    }

    /** The request of a non-streamed OpenAI chat completion, routed: what the provider steps receive. */
    public static ProxyRequest proxyRequest(RouteParser parser) {
        byte[] body = bytes("chat-request.json");
        GatewayRequest request = GatewayRequest.of("POST", OPENAI_PATH, "", requestHeaders(), body, "203.0.113.7");
        RouteParser.GatewayPath path = parser.splitGatewayPath(OPENAI_PATH);
        ProxyRoute route = parser.parse(path, "");
        RequestBodyInfo info = RequestBodyInfo.inspect(body);
        return new ProxyRequest(request, route, info.modelFor(route), info.streamFor(route), null);
    }

    /**
     * A request's context as the recorder sees it at the end of a successful OpenAI chat completion: route, model,
     * options, usage, status and the answer (timings are those of the benchmark's own run).
     */
    public static RequestContext context(RouteParser parser) {
        ProxyRequest proxied = proxyRequest(parser);
        byte[] response = bytes("chat-response.json");
        RequestContext ctx = new RequestContext(proxied.http(), LOG_ID);
        RouteParser.GatewayPath path = parser.splitGatewayPath(OPENAI_PATH);
        ctx.addressedTo(path.account(), path.gatewayId());
        ctx.configure(null, RequestOptions.parse(Headers.empty()), null);
        StepChain.run(List.of(chain -> {
            chain.context().cache().markMiss();
            chain.context().answer().status(200);
            chain.context().answer().attempt();
            chain.context().timings().upstreamStarted();
            Usage usage = new Usage();
            usage.offerModel("gpt-4o-mini-2024-07-18");
            usage.offerIn(187);
            usage.offerOut(152);
            chain.context().usage(usage);
            chain.context().answer().body(response.length, response);
            chain.context().timings().firstByte();
            return GatewayResponse.of(200, Headers.empty(), new ResponseBody.Bytes(response));
        }), ctx, proxied);
        return ctx;
    }

    /** Fails the run early when a benchmark would measure the wrong path (for example usage not found). */
    public static void check(boolean condition, String what) {
        if (!condition) {
            throw new IllegalStateException("benchmark fixture check failed: " + what);
        }
    }
}

package io.aigateway.bench;

import io.aigateway.core.Exchange;
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
 * {@link Exchange} as the pipeline leaves it after a successful, non-streamed OpenAI chat completion.
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

    /**
     * An exchange as the recorder sees it at the end of a successful OpenAI chat completion: route, model,
     * options, usage, status and timings (received, upstream start +2 ms, first byte +350 ms, end +1200 ms).
     */
    public static Exchange exchange(RouteParser parser) {
        byte[] body = bytes("chat-request.json");
        byte[] response = bytes("chat-response.json");
        GatewayRequest request = GatewayRequest.of("POST", OPENAI_PATH, "", requestHeaders(), body, "203.0.113.7");
        Exchange ex = new Exchange(request, LOG_ID);
        RouteParser.GatewayPath path = parser.splitGatewayPath(OPENAI_PATH);
        ex.account = path.account();
        ex.gatewayId = path.gatewayId();
        ex.route = parser.parse(path, "");
        ex.providerSlug = ex.route.provider().slug();
        RequestBodyInfo info = RequestBodyInfo.inspect(body);
        ex.model = info.model();
        ex.streamRequested = info.stream();
        ex.options = RequestOptions.parse(Headers.empty());
        ex.cacheStatus = "MISS";
        ex.status = 200;
        ex.attempts = 1;
        long t0 = request.receivedAtNanos();
        ex.upstreamStartNanos = t0 + 2_000_000L;
        ex.upstreamHeadersNanos = t0 + 340_000_000L;
        ex.firstByteNanos = t0 + 350_000_000L;
        ex.endNanos = t0 + 1_200_000_000L;
        Usage usage = new Usage();
        usage.offerModel("gpt-4o-mini-2024-07-18");
        usage.offerIn(187);
        usage.offerOut(152);
        ex.usage = usage;
        ex.responseBytes = response.length;
        ex.responseHead = response;
        return ex;
    }

    /** Fails the run early when a benchmark would measure the wrong path (for example usage not found). */
    public static void check(boolean condition, String what) {
        if (!condition) {
            throw new IllegalStateException("benchmark fixture check failed: " + what);
        }
    }
}

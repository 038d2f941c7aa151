package io.aigateway.lambda;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.sun.net.httpserver.HttpServer;
import io.aigateway.GatewayApp;
import io.aigateway.core.ChunkSink;
import io.aigateway.core.GatewayRequest;
import io.aigateway.core.GatewayResponse;
import io.aigateway.core.Hashing;
import io.aigateway.core.Headers;
import io.aigateway.core.Json;
import io.aigateway.core.ResponseBody;
import io.aigateway.upstream.UpstreamClient;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Work done before a SnapStart snapshot (or eagerly at init, with GATEWAY_PRIME_ON_INIT=true), so the first real
 * request finds classes loaded and code paths warm. Priming is not a mode of the product: synthetic requests run
 * through a second instance of the real pipeline ({@link GatewayApp#primer}) built on in-process fakes (a loopback
 * provider and DynamoDB, a record sink that keeps nothing), so no step knows it is being primed and no primed request
 * can reach the logs, the metrics, the cache or a provider. The real instance only warms its clients: one read of the
 * store, one loopback exchange of the upstream client, the Lambda event conversion. Nothing made here outlives the
 * snapshot: its gateway settings cache was never touched, and its connections are dropped afterwards (and again
 * after restore).
 */
public final class Priming {
    private static final String CHAT = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    private static final String STREAM = "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"messages\":[]}";

    private Priming() {
    }

    /** @return how many synthetic requests the pipeline answered with 200 (9 when priming went through) */
    public static int run(GatewayApp app) {
        int answered = 0;
        try {
            Json.MAPPER.readTree(Json.MAPPER.writeValueAsBytes(Json.MAPPER.readTree(CHAT)));
            Hashing.sha256(CHAT);
            warmUpstreamClient(app.upstreamClient());
            try (PrimingFakes fakes = PrimingFakes.start();
                 GatewayApp primer = GatewayApp.primer(app.config(), fakes.endpoint(), fakes.provider())) {
                for (int i = 0; i < 3; i++) {
                    answered += drain(primer.gateway().handle(request(CHAT)));
                    answered += drain(primer.gateway().handle(request(STREAM)));
                    answered += drain(primer.gateway().handle(request(CHAT, "cf-aig-cache-ttl", "3600")));
                    APIGatewayV2HTTPEvent event = new APIGatewayV2HTTPEvent();
                    event.setRawPath("/healthz");
                    event.setHeaders(Map.of("content-type", "application/json"));
                    event.setCookies(List.of("a=b"));
                    event.setBody(CHAT);
                    GatewayResponse health = app.gateway().handle(LambdaHandler.toRequest(event));
                    LambdaHandler.toResponse(health, ((ResponseBody.Bytes) health.body()).data());
                }
            }
            app.warmStoreClient();
        } catch (Exception | LinkageError e) {
            // Priming only speeds things up; a failure here must never stop the function from starting.
            org.slf4j.LoggerFactory.getLogger(Priming.class).warn("priming incomplete", e);
        } finally {
            app.dropIdleConnections();
        }
        return answered;
    }

    private static GatewayRequest request(String body, String... extraHeaders) {
        Headers.Builder headers = Headers.builder().add("content-type", "application/json")
                .add("authorization", "Bearer prime").add("cf-aig-metadata", "{\"prime\":true}");
        for (int i = 0; i < extraHeaders.length; i += 2) {
            headers.add(extraHeaders[i], extraHeaders[i + 1]);
        }
        return GatewayRequest.of("POST", "/v1/prime/prime/openai/chat/completions", "", headers.build(),
                body.getBytes(StandardCharsets.UTF_8), "127.0.0.1");
    }

    private static int drain(GatewayResponse response) throws IOException {
        if (response.body() instanceof ResponseBody.Stream stream) {
            stream.writeTo(new ChunkSink() {
                @Override
                public void write(byte[] bytes, int offset, int length) {
                }

                @Override
                public void flush() {
                }
            });
        }
        response.recorded().completeOnTimeout(null, 2, java.util.concurrent.TimeUnit.SECONDS).join();
        return response.status() == 200 ? 1 : 0;
    }

    /** One real HTTP exchange over loopback loads the client's connect, write and read paths. */
    private static void warmUpstreamClient(UpstreamClient client) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 4);
        server.createContext("/", exchange -> {
            byte[] ok = "{\"ok\":true}".getBytes(StandardCharsets.UTF_8);
            exchange.getRequestBody().readAllBytes();
            exchange.getResponseHeaders().add("content-type", "application/json");
            exchange.sendResponseHeaders(200, ok.length);
            exchange.getResponseBody().write(ok);
            exchange.close();
        });
        server.start();
        try {
            UpstreamClient.UpstreamResponse r = client.send("POST",
                    URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/prime"),
                    Headers.builder().add("content-type", "application/json").build(),
                    CHAT.getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(2));
            try (InputStream in = r.body()) {
                in.readAllBytes();
            }
            r.release();
        } finally {
            server.stop(0);
        }
    }
}

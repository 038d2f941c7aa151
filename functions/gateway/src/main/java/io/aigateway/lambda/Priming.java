package io.aigateway.lambda;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.sun.net.httpserver.HttpServer;
import io.aigateway.GatewayApp;
import io.aigateway.config.SettingsCache;
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
 * request finds classes loaded and code paths warm: the Lambda event conversion, Jackson, SHA-256, the upstream
 * HTTP client (one request to a loopback server started only for this), and the whole pipeline with synthetic
 * requests that call no provider and write nothing. Nothing made here outlives the snapshot: ids are drawn per
 * request, gateway settings read here are never kept ({@link SettingsCache#priming()}), and connections are dropped
 * afterwards (and again after restore).
 */
public final class Priming {
    private static final String CHAT = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    private static final String STREAM = "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"messages\":[]}";

    private Priming() {
    }

    public static void run(GatewayApp app) {
        try {
            Json.MAPPER.readTree(Json.MAPPER.writeValueAsBytes(Json.MAPPER.readTree(CHAT)));
            Hashing.sha256(CHAT);
            warmUpstreamClient(app.upstreamClient());
            // Settings read for these synthetic requests are used once and never kept: a snapshot (or an
            // instance primed at init) starts knowing no gateway, so nothing read here passes for known settings.
            try (SettingsCache.PrimingScope ignored = SettingsCache.priming()) {
                for (int i = 0; i < 3; i++) {
                    drain(app.gateway().prime(request(CHAT)));
                    drain(app.gateway().prime(request(STREAM)));
                    APIGatewayV2HTTPEvent event = new APIGatewayV2HTTPEvent();
                    event.setRawPath("/healthz");
                    event.setHeaders(Map.of("content-type", "application/json"));
                    event.setCookies(List.of("a=b"));
                    event.setBody(CHAT);
                    GatewayResponse health = app.gateway().handle(LambdaHandler.toRequest(event));
                    LambdaHandler.toResponse(health, ((ResponseBody.Bytes) health.body()).data());
                }
            }
        } catch (Exception | LinkageError e) {
            // Priming only speeds things up; a failure here must never stop the function from starting.
            org.slf4j.LoggerFactory.getLogger(Priming.class).warn("priming incomplete: {}", e.toString());
        } finally {
            app.dropIdleConnections();
        }
    }

    private static GatewayRequest request(String body) {
        return GatewayRequest.of("POST", "/v1/prime/prime/openai/chat/completions", "",
                Headers.builder().add("content-type", "application/json").add("authorization", "Bearer prime")
                        .add("cf-aig-metadata", "{\"prime\":true}").build(),
                body.getBytes(StandardCharsets.UTF_8), "127.0.0.1");
    }

    private static void drain(GatewayResponse response) throws IOException {
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

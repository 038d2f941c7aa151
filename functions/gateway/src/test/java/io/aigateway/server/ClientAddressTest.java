package io.aigateway.server;

import io.aigateway.GatewayApp;
import io.aigateway.config.GatewayConfig;
import io.aigateway.core.Headers;
import io.aigateway.testing.DynamoDbLocal;
import io.aigateway.testing.Harness;
import io.aigateway.testing.StubUpstream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Behind the Lambda Web Adapter every connection comes from loopback; the client is the function URL's source IP,
 * which the adapter passes in x-amzn-request-context. Believed only behind the adapter and from loopback; a
 * client's own X-Forwarded-For never.
 */
class ClientAddressTest {
    private static final String BODY = "{\"model\":\"gpt-4o-mini\",\"messages\":[]}";
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private StubUpstream stub;
    private GatewayApp app;

    @BeforeEach
    void start() throws Exception {
        stub = new StubUpstream();
        stub.on("/v1/chat/completions", StubUpstream.json(200, StubUpstream.CHAT_COMPLETION));
        app = GatewayApp.create(GatewayConfig.fromEnv(Map.of("GATEWAY_TABLE", DynamoDbLocal.newTable(),
                "GATEWAY_UPSTREAM_OPENAI", stub.baseUri() + "/v1", "GATEWAY_ADMIN_TOKEN", Harness.ADMIN_TOKEN)),
                DynamoDbLocal.client());
    }

    @AfterEach
    void stop() {
        app.close();
        stub.close();
    }

    private static String context(String ip) {
        return "{\"routeKey\":\"$default\",\"accountId\":\"anonymous\",\"stage\":\"$default\",\"requestId\":\"r-1\","
                + "\"http\":{\"method\":\"POST\",\"path\":\"/v1/a/g/openai/chat/completions\",\"protocol\":\"HTTP/1.1\","
                + "\"sourceIp\":\"" + ip + "\",\"userAgent\":\"curl/8\"},\"timeEpoch\":1700000000000}";
    }

    private int post(GatewayHttpServer server, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + server.port() + "/v1/a/g/openai/chat/completions"))
                .POST(HttpRequest.BodyPublishers.ofString(BODY)).header("content-type", "application/json");
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    private void onePerIp(GatewayHttpServer server) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + server.port() + "/api/v1/gateways/g"))
                .header("authorization", "Bearer " + Harness.ADMIN_TOKEN)
                .PUT(HttpRequest.BodyPublishers.ofString(
                        "{\"rate_limiting_rules\":[{\"scope\":\"ip\",\"limit\":1,\"interval\":3600}]}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
    }

    @Test
    void behindTheAdapterEachFunctionUrlClientHasItsOwnLimit() throws Exception {
        try (GatewayHttpServer server = GatewayHttpServer.start(app.gateway(), new InetSocketAddress("127.0.0.1", 0),
                1 << 20, Map.of(), true)) {
            onePerIp(server);
            assertEquals(200, post(server, "x-amzn-request-context", context("203.0.113.7")));
            assertEquals(429, post(server, "x-amzn-request-context", context("203.0.113.7")));
            assertEquals(429, post(server, "x-amzn-request-context", context("203.0.113.7"),
                    "x-forwarded-for", "198.51.100." + System.nanoTime() % 200), "X-Forwarded-For changes nothing");
            assertEquals(200, post(server, "x-amzn-request-context", context("203.0.113.8")), "another client");
            // no usable context (the adapter always sends one): the connection's address, loopback
            assertEquals(200, post(server));
            assertEquals(429, post(server, "x-amzn-request-context", "{not json"));
            assertEquals(429, post(server, "x-amzn-request-context", "{\"http\":{}}"));
        }
    }

    @Test
    void elsewhereTheHeaderIsJustAHeader() throws Exception {
        try (GatewayHttpServer server = GatewayHttpServer.start(app.gateway(), new InetSocketAddress("127.0.0.1", 0),
                1 << 20, Map.of(), false)) {
            onePerIp(server);
            assertEquals(200, post(server, "x-amzn-request-context", context("203.0.113.7")));
            assertEquals(429, post(server, "x-amzn-request-context", context("203.0.113.9")),
                    "not behind the adapter, a client cannot pick its address");
        }
    }

    @Test
    void theContextIsBelievedOnlyFromLoopbackAndOnlyBehindTheAdapter() throws Exception {
        Headers h = Headers.builder().add("x-amzn-request-context", context("203.0.113.7")).build();
        InetSocketAddress loopback = new InetSocketAddress("127.0.0.1", 40000);
        InetSocketAddress remote = new InetSocketAddress("198.51.100.4", 40000);
        assertEquals("203.0.113.7", GatewayHttpServer.clientIp(loopback, h, true));
        assertEquals("127.0.0.1", GatewayHttpServer.clientIp(loopback, h, false));
        assertEquals("198.51.100.4", GatewayHttpServer.clientIp(remote, h, true), "a remote peer is the client");
        Headers rest = Headers.builder().add("x-amzn-request-context",
                "{\"identity\":{\"sourceIp\":\"203.0.113.5\"}}").build();
        assertEquals("203.0.113.5", GatewayHttpServer.clientIp(loopback, rest, true), "API Gateway REST shape");

        assertTrue(GatewayHttpServer.behindWebAdapter(Map.of("AWS_LAMBDA_EXEC_WRAPPER", "/opt/bootstrap")));
        assertTrue(GatewayHttpServer.behindWebAdapter(Map.of("AWS_LWA_PORT", "8080")));
        assertFalse(GatewayHttpServer.behindWebAdapter(Map.of("PORT", "8080", "AWS_LWA_PORT", " ")));
        assertFalse(GatewayHttpServer.behindWebAdapter(Map.of()));
    }
}

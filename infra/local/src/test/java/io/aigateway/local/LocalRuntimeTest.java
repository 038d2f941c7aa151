package io.aigateway.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.aigateway.local.LocalRuntime.Options;
import io.aigateway.local.LocalRuntime.UsageException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The local runtime end to end, in this JVM: DynamoDB Local in memory, the gateway on a free port, a stub
 * OpenAI upstream on loopback. The runtime starts on first use, so the CLI tests run without it.
 */
class LocalRuntimeTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final String UPSTREAM_BODY = """
            {"id":"chatcmpl-local-1","object":"chat.completion","created":1767225600,"model":"gpt-4o-mini",\
            "choices":[{"index":0,"message":{"role":"assistant","content":"Hello from the stub"},"finish_reason":"stop"}],\
            "usage":{"prompt_tokens":11,"completion_tokens":7,"total_tokens":18}}""";

    private static final List<Recorded> upstreamRequests = new CopyOnWriteArrayList<>();
    private static HttpServer upstream;
    private static LocalRuntime runtime;

    record Recorded(String method, String path, String authorization, String body) {
    }

    private static synchronized LocalRuntime runtime() throws Exception {
        if (runtime == null) {
            upstream = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            upstream.createContext("/", exchange -> {
                try (exchange; InputStream in = exchange.getRequestBody()) {
                    String body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                    upstreamRequests.add(new Recorded(exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
                            exchange.getRequestHeaders().getFirst("Authorization"), body));
                    boolean known = exchange.getRequestURI().getPath().equals("/v1/chat/completions");
                    byte[] answer = (known ? UPSTREAM_BODY : "{\"error\":{\"message\":\"no such stub\"}}")
                            .getBytes(StandardCharsets.UTF_8);
                    exchange.getResponseHeaders().set("Content-Type", "application/json");
                    exchange.sendResponseHeaders(known ? 200 : 404, answer.length);
                    exchange.getResponseBody().write(answer);
                }
            });
            upstream.start();
            String upstreamBase = "http://127.0.0.1:" + upstream.getAddress().getPort() + "/v1";
            runtime = LocalRuntime.start(Options.parse("--in-memory", "--port", "0")
                    .withEnv(Map.of("GATEWAY_UPSTREAM_OPENAI", upstreamBase)));
        }
        return runtime;
    }

    @AfterAll
    static void stop() {
        if (runtime != null) {
            runtime.close();
        }
        if (upstream != null) {
            upstream.stop(0);
        }
    }

    @Test
    void healthz() throws Exception {
        LocalRuntime rt = runtime();
        assertTrue(rt.port() > 0);
        assertEquals("http://127.0.0.1:" + rt.port() + "/v1/local/default/openai", rt.baseUrl());
        HttpResponse<String> response = send(HttpRequest.newBuilder(URI.create(rt.rootUrl() + "/healthz")).GET());
        assertEquals(200, response.statusCode(), response.body());
    }

    @Test
    void generatesAnAdminTokenOfThirtyTwoUrlSafeCharacters() throws Exception {
        String token = runtime().adminToken();
        if (System.getenv("GATEWAY_ADMIN_TOKEN") == null) {
            assertTrue(token.matches("[A-Za-z0-9_-]{32}"), token);
        }
        assertTrue(LocalRuntime.randomToken().matches("[A-Za-z0-9_-]{32}"));
        assertFalse(LocalRuntime.randomToken().equals(LocalRuntime.randomToken()));
    }

    @Test
    void proxiesAChatCompletionAndLogsIt() throws Exception {
        LocalRuntime rt = runtime();
        String request = """
                {"model":"gpt-4o-mini","messages":[{"role":"user","content":"Say hello"}]}""";
        HttpResponse<String> response = send(HttpRequest.newBuilder(URI.create(rt.baseUrl() + "/chat/completions"))
                .header("Authorization", "Bearer sk-test-local")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(request)));

        assertEquals(200, response.statusCode(), response.body());
        assertEquals("chatcmpl-local-1", JSON.readTree(response.body()).path("id").asText(), response.body());
        Recorded seen = upstreamRequests.stream().filter(r -> r.path().equals("/v1/chat/completions"))
                .findFirst().orElseThrow(() -> new AssertionError("the stub upstream saw no chat completion"));
        assertEquals("POST", seen.method());
        assertEquals("Bearer sk-test-local", seen.authorization(), "the provider's auth header passes through");
        assertEquals("gpt-4o-mini", JSON.readTree(seen.body()).path("model").asText());

        // the admin API wants the token
        HttpResponse<String> anonymous = send(HttpRequest.newBuilder(logsUri(rt)).GET());
        assertEquals(401, anonymous.statusCode(), anonymous.body());

        // the log is written after the response: poll for up to 5 s
        JsonNode log = null;
        String lastBody = null;
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (log == null && System.nanoTime() < deadline) {
            HttpResponse<String> logs = send(HttpRequest.newBuilder(logsUri(rt))
                    .header("Authorization", "Bearer " + rt.adminToken()).GET());
            assertEquals(200, logs.statusCode(), logs.body());
            lastBody = logs.body();
            log = findLog(JSON.readTree(lastBody));
            if (log == null) {
                Thread.sleep(100);
            }
        }
        assertNotNull(log, "no openai log within 5 s; last answer: " + lastBody);
        assertEquals("openai", log.path("provider").asText());
        assertTrue(log.path("tokens_in").isNumber(), log::toString);
        assertTrue(log.path("tokens_out").isNumber(), log::toString);
        assertEquals(11, log.path("tokens_in").asInt(), log::toString);
        assertEquals(7, log.path("tokens_out").asInt(), log::toString);
    }

    @Test
    void cliRejectsDataTogetherWithInMemory() {
        UsageException e = assertThrows(UsageException.class, () -> Options.parse("--data", "x", "--in-memory"));
        assertTrue(e.getMessage().contains("--in-memory"), e.getMessage());
        assertThrows(UsageException.class, () -> Options.parse("--in-memory", "--data", "x"));
        assertThrows(UsageException.class, () -> Options.parse("--in-memory", "--data=x"));
    }

    @Test
    void cliParsesDefaultsAndRejectsBadFlags() {
        Options defaults = Options.parse();
        assertEquals(8787, defaults.port());
        assertEquals("127.0.0.1", defaults.host());
        assertEquals(Path.of(".gateway-data"), defaults.dataDir());
        assertFalse(defaults.inMemory());

        Options given = Options.parse("--port", "0", "--host", "0.0.0.0", "--data", "/tmp/gw");
        assertEquals(0, given.port());
        assertEquals("0.0.0.0", given.host());
        assertEquals(Path.of("/tmp/gw"), given.dataDir());
        assertEquals(9000, Options.parse("--port=9000").port());

        Options memory = Options.parse("--in-memory");
        assertTrue(memory.inMemory());
        assertNull(memory.dataDir());

        assertThrows(UsageException.class, () -> Options.parse("--port"));
        assertThrows(UsageException.class, () -> Options.parse("--port", "http"));
        assertThrows(UsageException.class, () -> Options.parse("--port", "70000"));
        assertThrows(UsageException.class, () -> Options.parse("--data"));
        assertThrows(UsageException.class, () -> Options.parse("--verbose"));
        assertThrows(UsageException.class, () -> Options.parse("8787"));
    }

    @Test
    void printsTheWildcardHostAsLoopbackInUrls() {
        assertEquals("127.0.0.1", LocalRuntime.urlHost("0.0.0.0"));
        assertEquals("localhost", LocalRuntime.urlHost("localhost"));
        assertEquals("[::1]", LocalRuntime.urlHost("::1"));
    }

    @Test
    void bundlesTheSqliteLibraryForLinuxAndIntelMacs() {
        assertEquals("libsqlite4java-linux-amd64.so", NativeLibraries.bundledFileName("Linux", "amd64"));
        assertEquals("libsqlite4java-osx.dylib", NativeLibraries.bundledFileName("Mac OS X", "x86_64"));
        // no bundled build: DynamoDB Local 3.x loads the one inside its own jar
        assertNull(NativeLibraries.bundledFileName("Mac OS X", "aarch64"));
        assertNull(NativeLibraries.bundledFileName("Windows 11", "amd64"));
        assertNotNull(NativeLibraries.class.getResource("/native/libsqlite4java-linux-amd64.so"));
        assertNotNull(NativeLibraries.class.getResource("/native/libsqlite4java-osx.dylib"));
    }

    private static URI logsUri(LocalRuntime rt) {
        return URI.create(rt.rootUrl() + "/api/v1/gateways/default/logs");
    }

    /** The first object anywhere in the answer whose provider is openai (the list's envelope is the core's). */
    private static JsonNode findLog(JsonNode node) {
        if (node.isObject() && "openai".equals(node.path("provider").asText(null))) {
            return node;
        }
        for (JsonNode child : node) {
            JsonNode found = findLog(child);
            if (found != null) {
                return found;
            }
        }
        return null;
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return HTTP.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }
}

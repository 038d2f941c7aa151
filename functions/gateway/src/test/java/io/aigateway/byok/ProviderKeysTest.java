package io.aigateway.byok;

import com.fasterxml.jackson.databind.JsonNode;
import io.aigateway.GatewayApp;
import io.aigateway.core.Json;
import io.aigateway.server.GatewayHttpServer;
import io.aigateway.testing.ErrorBodies;
import io.aigateway.testing.Harness;
import io.aigateway.testing.StubUpstream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Stored provider keys: admin API, injection in each provider's own header, aliases, client key policy, rotation. */
class ProviderKeysTest {
    private static final String CHAT = "/v1/a/byok/openai/chat/completions";
    private static final String BODY = "{\"model\":\"gpt-4o-mini\",\"messages\":[]}";
    private StubUpstream stub;
    private Harness gw;
    private String token;

    @BeforeEach
    void start() throws Exception {
        stub = new StubUpstream();
        stub.on("/v1/chat/completions", StubUpstream.json(200, StubUpstream.CHAT_COMPLETION));
        stub.on("/v1/messages", StubUpstream.json(200, "{\"model\":\"claude-haiku-4-5\",\"usage\":{\"input_tokens\":7,\"output_tokens\":5}}"));
        stub.on("/v1beta/models/gemini-2.0-flash:generateContent", StubUpstream.json(200, "{\"candidates\":[]}"));
        gw = new Harness(Map.of("GATEWAY_UPSTREAM_OPENAI", stub.baseUri() + "/v1",
                "GATEWAY_UPSTREAM_ANTHROPIC", stub.baseUri().toString(),
                "GATEWAY_UPSTREAM_GOOGLE_AI_STUDIO", stub.baseUri().toString(),
                "GATEWAY_SETTINGS_REFRESH_SECONDS", "1"));
    }

    @AfterEach
    void stop() {
        gw.close();
        stub.close();
    }

    private HttpResponse<String> admin(String method, String path, String body) throws Exception {
        return gw.send(HttpRequest.newBuilder(gw.url(path)).header("authorization", "Bearer " + Harness.ADMIN_TOKEN)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body)));
    }

    private void authenticated(String extraSettings) throws Exception {
        assertEquals(200, admin("PUT", "/api/v1/gateways/byok", "{\"authentication\":true" + extraSettings + "}").statusCode());
        token = Json.MAPPER.readTree(admin("POST", "/api/v1/gateways/byok/tokens", "{\"name\":\"app\"}").body())
                .get("result").get("token").asText();
    }

    private void storeKey(String providerAndAlias, String key) throws Exception {
        HttpResponse<String> r = admin("PUT", "/api/v1/gateways/byok/provider-keys/" + providerAndAlias,
                "{\"key\":\"" + key + "\",\"description\":\"test\"}");
        assertEquals(200, r.statusCode(), r.body());
        assertFalse(r.body().contains(key), "the key is never read back");
    }

    private HttpResponse<String> call(String path, String body, String... headers) throws Exception {
        String[] all = new String[headers.length + 2];
        all[0] = "cf-aig-authorization";
        all[1] = "Bearer " + token;
        System.arraycopy(headers, 0, all, 2, headers.length);
        return gw.post(path, body, all);
    }

    @Test
    void storingAKeyNeedsAuthenticationOnTheGateway() throws Exception {
        HttpResponse<String> r = admin("PUT", "/api/v1/gateways/open/provider-keys/openai", "{\"key\":\"sk-x\"}");
        assertEquals(400, r.statusCode());
        assertTrue(r.body().contains("authentication"), r.body());
        assertEquals(400, admin("PUT", "/api/v1/gateways/open/provider-keys/nosuch", "{\"key\":\"sk-x\"}").statusCode());
    }

    @Test
    void aStoredKeyIsInjectedInTheProvidersOwnHeaderAndNeverLoggedOrReadBack() throws Exception {
        authenticated("");
        storeKey("openai", "sk-stored-openai");
        storeKey("anthropic", "sk-ant-stored");
        storeKey("google-ai-studio", "AIza-stored");

        HttpResponse<String> r = call(CHAT, BODY);
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("Bearer sk-stored-openai", stub.lastRequest().header("authorization"));
        call("/v1/a/byok/anthropic/v1/messages", "{\"model\":\"claude-haiku-4-5\",\"max_tokens\":5,\"messages\":[]}");
        StubUpstream.Received anthropic = stub.lastRequest();
        assertEquals("sk-ant-stored", anthropic.header("x-api-key"));
        assertNull(anthropic.header("authorization"));
        call("/v1/a/byok/google-ai-studio/v1beta/models/gemini-2.0-flash:generateContent", "{\"contents\":[]}");
        assertEquals("AIza-stored", stub.lastRequest().header("x-goog-api-key"));

        String log = gw.awaitLog("byok", r.headers().firstValue("cf-aig-log-id").orElseThrow());
        assertFalse(log.contains("sk-stored-openai"), log);
        HttpResponse<String> listed = admin("GET", "/api/v1/gateways/byok/provider-keys", null);
        assertEquals(3, Json.MAPPER.readTree(listed.body()).get("result").size());
        assertFalse(listed.body().contains("sk-"), listed.body());
        HttpResponse<String> one = admin("GET", "/api/v1/gateways/byok/provider-keys/openai", null);
        assertEquals("default", Json.MAPPER.readTree(one.body()).get("result").get("alias").asText());
        assertFalse(one.body().contains("sk-stored"), one.body());
    }

    @Test
    void clientKeysAreUsedUnderAllowAndDroppedUnderDeny() throws Exception {
        authenticated("");
        storeKey("openai", "sk-stored");
        call(CHAT, BODY, "authorization", "Bearer sk-client");
        assertEquals("Bearer sk-client", stub.lastRequest().header("authorization"), "allow: the client's own key");

        assertEquals(200, admin("PUT", "/api/v1/gateways/byok", "{\"client_provider_keys\":\"deny\"}").statusCode());
        call(CHAT, BODY, "authorization", "Bearer sk-client", "x-api-key", "sk-other");
        StubUpstream.Received up = stub.lastRequest();
        assertEquals("Bearer sk-stored", up.header("authorization"), "deny: the stored key replaces it");
        assertNull(up.header("x-api-key"));

        assertEquals(200, admin("DELETE", "/api/v1/gateways/byok/provider-keys/openai", null).statusCode());
        int before = stub.calls.get();
        HttpResponse<String> none = call(CHAT, BODY, "authorization", "Bearer sk-client");
        assertEquals(400, none.statusCode(), none.body());
        assertTrue(none.body().contains("provider-keys/openai/default"), none.body());
        assertEquals(before, stub.calls.get());
        storeKey("openai", "sk-again"); // delete then store again: a fresh entry
        call(CHAT, BODY);
        assertEquals("Bearer sk-again", stub.lastRequest().header("authorization"));
    }

    @Test
    void anAliasPicksAnotherStoredKey() throws Exception {
        authenticated("");
        storeKey("openai", "sk-default");
        storeKey("openai/team-b", "sk-team-b");
        call(CHAT, BODY, "cf-aig-byok-alias", "team-b");
        assertEquals("Bearer sk-team-b", stub.lastRequest().header("authorization"));
        HttpResponse<String> missing = call(CHAT, BODY, "cf-aig-byok-alias", "team-c");
        assertEquals(400, missing.statusCode());
        assertEquals(2015, ErrorBodies.code(missing.body()));
        HttpResponse<String> bad = call(CHAT, BODY, "cf-aig-byok-alias", "a b");
        assertEquals(400, bad.statusCode());
        assertEquals(2005, ErrorBodies.code(bad.body()));
    }

    /** Two instances sharing the table and the vault (as Lambda instances share Secrets Manager). */
    @Test
    void aRotatedKeyReachesAnotherInstanceWithinSecondsWithoutARestart(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        ProviderKeyVault vault = new LocalFileVault(dir);
        try (GatewayApp adminSide = app(vault); GatewayApp serving = app(vault);
             GatewayHttpServer adminServer = GatewayHttpServer.start(adminSide.gateway(), new InetSocketAddress("127.0.0.1", 0));
             GatewayHttpServer server = GatewayHttpServer.start(serving.gateway(), new InetSocketAddress("127.0.0.1", 0))) {
            URI adminBase = URI.create("http://127.0.0.1:" + adminServer.port());
            java.util.function.BiFunction<String, String, HttpRequest> put = (path, body) -> HttpRequest.newBuilder(
                    adminBase.resolve(path)).header("authorization", "Bearer " + Harness.ADMIN_TOKEN)
                    .PUT(HttpRequest.BodyPublishers.ofString(body)).build();
            gw.http.send(put.apply("/api/v1/gateways/byok", "{\"authentication\":true,\"client_provider_keys\":\"deny\"}"),
                    HttpResponse.BodyHandlers.ofString());
            String appToken = Json.MAPPER.readTree(gw.http.send(HttpRequest.newBuilder(adminBase.resolve(
                    "/api/v1/gateways/byok/tokens")).header("authorization", "Bearer " + Harness.ADMIN_TOKEN)
                    .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"app\"}")).build(),
                    HttpResponse.BodyHandlers.ofString()).body()).get("result").get("token").asText();
            assertEquals(200, gw.http.send(put.apply("/api/v1/gateways/byok/provider-keys/openai", "{\"key\":\"sk-first\"}"),
                    HttpResponse.BodyHandlers.ofString()).statusCode());
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + CHAT))
                    .header("cf-aig-authorization", "Bearer " + appToken).header("content-type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(BODY)).build();
            assertEquals(200, gw.http.send(request, HttpResponse.BodyHandlers.ofString()).statusCode());
            assertEquals("Bearer sk-first", stub.lastRequest().header("authorization"));

            assertEquals(200, gw.http.send(put.apply("/api/v1/gateways/byok/provider-keys/openai", "{\"key\":\"sk-second\"}"),
                    HttpResponse.BodyHandlers.ofString()).statusCode());
            long rotated = System.nanoTime();
            String seen;
            do {
                gw.http.send(request, HttpResponse.BodyHandlers.ofString());
                seen = stub.lastRequest().header("authorization");
                if (!seen.equals("Bearer sk-second")) {
                    Thread.sleep(100);
                }
            } while (!seen.equals("Bearer sk-second") && System.nanoTime() - rotated < 10_000_000_000L);
            long took = (System.nanoTime() - rotated) / 1_000_000;
            assertEquals("Bearer sk-second", seen, "the other instance picks up the rotated key");
            assertTrue(took < 5_000, "within the settings refresh (1 s here): took " + took + " ms");
        }
    }

    private GatewayApp app(ProviderKeyVault vault) {
        return GatewayApp.create(gw.config, gw.dynamo, io.aigateway.metrics.RequestMetrics.standard(false),
                new io.aigateway.store.StoreStats(), new io.aigateway.ingest.MemoryJournal(1 << 20, 1_000), vault);
    }
}

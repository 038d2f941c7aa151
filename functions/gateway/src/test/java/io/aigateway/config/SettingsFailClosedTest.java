package io.aigateway.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.aigateway.core.Json;
import io.aigateway.lambda.Priming;
import io.aigateway.testing.Harness;
import io.aigateway.testing.StubUpstream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Settings never fail open: a gateway runs on its last known settings, and with none known a request is refused
 * with 503 (2040), never run on the defaults. Settings read while priming never count as known. And with
 * GATEWAY_REQUIRE_CONFIG=true only configured gateways (and {@code default}) are served.
 */
class SettingsFailClosedTest {
    private static final String CHAT = "/v1/chat/completions";
    private static final String BODY = "{\"model\":\"gpt-4o-mini\",\"messages\":[]}";

    private StubUpstream stub;
    private Harness admin;

    @BeforeEach
    void start() {
        stub = new StubUpstream();
        stub.on(CHAT, StubUpstream.json(200, StubUpstream.CHAT_COMPLETION));
    }

    @AfterEach
    void stop() {
        if (admin != null) {
            admin.close();
        }
        stub.close();
    }

    private Map<String, String> env(String... extra) {
        Map<String, String> env = new HashMap<>();
        env.put("GATEWAY_UPSTREAM_OPENAI", stub.baseUri() + "/v1");
        env.put("GATEWAY_SETTINGS_REFRESH_SECONDS", "1");
        for (int i = 0; i < extra.length; i += 2) {
            env.put(extra[i], extra[i + 1]);
        }
        return env;
    }

    private Harness admin(String... extra) {
        admin = new Harness(env(extra));
        return admin;
    }

    private static HttpResponse<String> adminCall(Harness gw, String method, String path, String body) throws Exception {
        return gw.send(HttpRequest.newBuilder(gw.url(path)).header("authorization", "Bearer " + Harness.ADMIN_TOKEN)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body)));
    }

    private static void put(Harness gw, String gateway, String settings) throws Exception {
        HttpResponse<String> r = adminCall(gw, "PUT", "/api/v1/gateways/" + gateway, settings);
        assertEquals(200, r.statusCode(), r.body());
    }

    private static int code(HttpResponse<String> r) throws Exception {
        return ErrorCodes.of(r);
    }

    @Test
    void withNothingKnownAFailedReadRefusesWith503AndNeverRunsOnTheDefaults() throws Exception {
        Harness gw = admin();
        put(gw, "secure", "{\"authentication\":true,\"rate_limiting_limit\":1,\"rate_limiting_interval\":60}");
        try (FlakyInstance fresh = new FlakyInstance(gw.table, env("GATEWAY_SETTINGS_REFRESH_SECONDS", "1"))) {
            fresh.down.set(true);
            for (int i = 0; i < 3; i++) {
                HttpResponse<String> r = fresh.post("/v1/a/secure/openai/chat/completions", BODY);
                assertEquals(503, r.statusCode(), r.body());
                assertEquals(2040, code(r));
                assertEquals("application/json", r.headers().firstValue("content-type").orElse(""));
                assertTrue(r.headers().firstValue("retry-after").isPresent());
            }
            assertEquals(0, stub.calls.get(), "nothing reached the provider");
            JsonNode doc = Json.MAPPER.readTree(fresh.metrics.get(0));
            assertEquals(1, doc.get("StoreErrors").asInt(), "a settings outage shows in StoreErrors");
            assertEquals(1, doc.get("Errors").asInt());

            fresh.down.set(false);
            assertEquals(401, fresh.post("/v1/a/secure/openai/chat/completions", BODY).statusCode(),
                    "once read, the gateway's own settings apply");

            // The store goes down again: the last known settings stay in force, refreshes failing or not.
            fresh.down.set(true);
            Thread.sleep(1_300); // older than the refresh interval
            for (int i = 0; i < 3; i++) {
                assertEquals(401, fresh.post("/v1/a/secure/openai/chat/completions", BODY).statusCode());
                Thread.sleep(100);
            }
            assertEquals(0, stub.calls.get());
        }
    }

    @Test
    void settingsReadWhilePrimingNeverCountAsKnown() throws Exception {
        Harness gw = admin();
        put(gw, "prime", "{\"authentication\":true}");
        try (FlakyInstance fresh = new FlakyInstance(gw.table, env())) {
            Priming.run(fresh.app); // reads gateway "prime": what a SnapStart snapshot would hold
            assertTrue(fresh.calls("GetItem") > 0, "priming read the settings");
            fresh.down.set(true);
            HttpResponse<String> r = fresh.post("/v1/a/prime/openai/chat/completions", BODY);
            assertEquals(503, r.statusCode(), "what priming read is not known settings: " + r.body());
            assertEquals(2040, code(r));
            assertEquals(0, stub.calls.get());
        }
    }

    @Test
    void byDefaultAnUnconfiguredGatewayRunsOnTheDefaults() throws Exception {
        Harness gw = admin();
        assertEquals(200, gw.post("/v1/a/anything/openai/chat/completions", BODY).statusCode());
        assertEquals(404, adminCall(gw, "GET", "/api/v1/gateways/anything", null).statusCode(), "and nothing is stored");
    }

    @Test
    void requireConfigServesOnlyConfiguredGatewaysAndCreatesDefaultOnFirstUse() throws Exception {
        Harness gw = admin("GATEWAY_REQUIRE_CONFIG", "true");
        HttpResponse<String> unknown = gw.post("/v1/a/made-up/openai/chat/completions", BODY);
        assertEquals(404, unknown.statusCode(), unknown.body());
        assertEquals(2013, code(unknown));
        assertTrue(unknown.body().contains("PUT /api/v1/gateways/made-up"), unknown.body());
        assertEquals("application/json", unknown.headers().firstValue("content-type").orElse(""));
        HttpResponse<String> universal = gw.post("/v1/a/made-up", "[]");
        assertEquals(404, universal.statusCode(), "the universal endpoint too: " + universal.body());
        assertEquals(0, stub.calls.get(), "no provider call for an unconfigured gateway");

        put(gw, "team", "{}");
        assertEquals(200, gw.post("/v1/a/team/openai/chat/completions", BODY).statusCode());

        assertEquals(404, adminCall(gw, "GET", "/api/v1/gateways/default", null).statusCode());
        assertEquals(200, gw.post("/v1/a/default/openai/chat/completions", BODY).statusCode(),
                "default always exists");
        HttpResponse<String> stored = adminCall(gw, "GET", "/api/v1/gateways/default", null);
        assertEquals(200, stored.statusCode(), "created with the defaults on first use: " + stored.body());
        assertEquals(2, stub.calls.get());
    }

    @Test
    void creatingDefaultNeverOverwritesWhatAnAdminStored() throws Exception {
        Harness gw = admin("GATEWAY_REQUIRE_CONFIG", "true");
        put(gw, "default", "{\"authentication\":true}");
        assertEquals(401, gw.post("/v1/a/default/openai/chat/completions", BODY).statusCode());
        JsonNode settings = Json.MAPPER.readTree(adminCall(gw, "GET", "/api/v1/gateways/default", null).body());
        assertTrue(settings.get("result").get("authentication").asBoolean(), settings.toString());
    }

    @Test
    void requireConfigMustBeTrueOrFalse() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> GatewayConfig.fromEnv(Map.of("GATEWAY_REQUIRE_CONFIG", "yes")));
        assertTrue(e.getMessage().contains("GATEWAY_REQUIRE_CONFIG"));
        assertTrue(GatewayConfig.fromEnv(Map.of("GATEWAY_REQUIRE_CONFIG", "TRUE")).requireConfig());
        org.junit.jupiter.api.Assertions.assertFalse(GatewayConfig.fromEnv(Map.of()).requireConfig());
    }
}

package io.aigateway.auth;

import com.fasterxml.jackson.databind.JsonNode;
import io.aigateway.core.Json;
import io.aigateway.testing.Harness;
import io.aigateway.testing.StubUpstream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GatewayAuthTest {
    private StubUpstream stub;
    private Harness gw;

    @BeforeEach
    void start() throws Exception {
        stub = new StubUpstream();
        stub.on("/v1/chat/completions", StubUpstream.json(200, StubUpstream.CHAT_COMPLETION));
        gw = new Harness(java.util.Map.of("GATEWAY_UPSTREAM_OPENAI", stub.baseUri() + "/v1",
                "GATEWAY_SETTINGS_REFRESH_SECONDS", "1"));
        HttpResponse<String> r = adminCall("PUT", "/api/v1/gateways/secure", "{\"authentication\":true}");
        assertEquals(200, r.statusCode(), r.body());
    }

    @AfterEach
    void stop() {
        gw.close();
        stub.close();
    }

    private HttpResponse<String> adminCall(String method, String path, String body) throws Exception {
        return gw.send(HttpRequest.newBuilder(gw.url(path)).header("authorization", "Bearer " + Harness.ADMIN_TOKEN)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body)));
    }

    /** A request without a valid token can't write into logs or analytics: its log has no body, metadata or event id. */
    @Test
    void refusedRequestsAreLoggedMinimally() throws Exception {
        HttpResponse<String> refused = gw.post("/v1/a/secure/openai/chat/completions",
                "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"secret prompt\"}]}",
                "cf-aig-metadata", "{\"team\":\"forged\"}", "cf-aig-event-id", "evt-forged");
        assertEquals(401, refused.statusCode());
        String id = refused.headers().firstValue("cf-aig-log-id").orElseThrow();
        com.fasterxml.jackson.databind.JsonNode log = Json.MAPPER.readTree(gw.awaitLog("secure", id)).get("result");
        assertEquals(401, log.get("status_code").asInt());
        assertTrue(log.get("metadata").isEmpty(), log.toString());
        assertTrue(log.get("event_id").isNull(), log.toString());
        assertTrue(log.get("request_head").isNull(), log.toString());
        assertEquals(404, gw.admin("/api/v1/gateways/secure/logs/" + id + "/request").statusCode(), "no stored body");
        assertEquals(0, stub.calls.get());
    }

    @Test
    void tokensAreShownOnceStoredHashedAndRevocable() throws Exception {
        HttpResponse<String> missing = gw.post("/v1/a/secure/openai/chat/completions", "{}");
        assertEquals(401, missing.statusCode());
        assertEquals(2007, io.aigateway.testing.ErrorBodies.code(missing.body()));
        assertTrue(missing.body().contains("cf-aig-authorization"));
        assertEquals(0, stub.calls.get());

        JsonNode created = Json.MAPPER.readTree(adminCall("POST", "/api/v1/gateways/secure/tokens",
                "{\"name\":\"backend\"}").body()).get("result");
        String token = created.get("token").asText();
        String tokenId = created.get("id").asText();
        assertTrue(token.startsWith("aigw_" + tokenId + "_"));

        HttpResponse<String> ok = gw.post("/v1/a/secure/openai/chat/completions", "{}",
                "cf-aig-authorization", "Bearer " + token, "authorization", "Bearer sk-provider");
        assertEquals(200, ok.statusCode());
        StubUpstream.Received up = stub.lastRequest();
        assertNull(up.header("cf-aig-authorization"), "the gateway token never reaches the provider");
        assertEquals("Bearer sk-provider", up.header("authorization"));

        assertEquals(401, gw.post("/v1/a/secure/openai/chat/completions", "{}",
                "cf-aig-authorization", "Bearer " + token.substring(0, token.length() - 1) + "x").statusCode());
        assertEquals(401, gw.post("/v1/a/secure/openai/chat/completions", "{}",
                "cf-aig-authorization", "Bearer not-a-token").statusCode());

        JsonNode list = Json.MAPPER.readTree(adminCall("GET", "/api/v1/gateways/secure/tokens", null).body());
        assertEquals(1, list.get("result").size());
        assertEquals("backend", list.get("result").get(0).get("name").asText());
        assertFalse(list.toString().contains(token.substring(token.lastIndexOf('_') + 1)), "secrets are never listed");
        assertFalse(list.toString().contains("hash"));

        assertEquals(200, adminCall("DELETE", "/api/v1/gateways/secure/tokens/" + tokenId, null).statusCode());
        assertEquals(401, gw.post("/v1/a/secure/openai/chat/completions", "{}",
                "cf-aig-authorization", "Bearer " + token).statusCode(), "revoked on this instance at once");
        assertEquals(404, adminCall("DELETE", "/api/v1/gateways/secure/tokens/" + tokenId, null).statusCode());
    }

    @Test
    void aTokenOfOneGatewayDoesNotOpenAnother() throws Exception {
        adminCall("PUT", "/api/v1/gateways/second", "{\"authentication\":true}");
        String token = Json.MAPPER.readTree(adminCall("POST", "/api/v1/gateways/secure/tokens", "{\"name\":\"a\"}").body())
                .get("result").get("token").asText();
        assertEquals(401, gw.post("/v1/a/second/openai/chat/completions", "{}",
                "cf-aig-authorization", "Bearer " + token).statusCode());
    }

    @Test
    void refusedRequestsAreLogged() throws Exception {
        HttpResponse<String> r = gw.post("/v1/a/secure/openai/chat/completions", "{}");
        JsonNode log = Json.MAPPER.readTree(gw.awaitLog("secure", r.headers().firstValue("cf-aig-log-id").orElseThrow()));
        assertEquals(401, log.get("result").get("status_code").asInt());
    }
}

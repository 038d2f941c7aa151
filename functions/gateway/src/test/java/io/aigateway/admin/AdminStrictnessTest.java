package io.aigateway.admin;

import com.fasterxml.jackson.databind.JsonNode;
import io.aigateway.core.Json;
import io.aigateway.testing.Harness;
import io.aigateway.testing.StubUpstream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 9, item 10: admin routes match whole segments, and admin numbers are taken as sent or refused. */
class AdminStrictnessTest {
    private StubUpstream stub;
    private Harness gw;

    @BeforeEach
    void start() {
        stub = new StubUpstream();
        stub.on("/v1/chat/completions", StubUpstream.json(200, StubUpstream.CHAT_COMPLETION));
        gw = Harness.forProvider("openai", stub.baseUri().resolve("/v1"));
    }

    @AfterEach
    void stop() {
        gw.close();
        stub.close();
    }

    private HttpResponse<String> call(String method, String path, String body) throws Exception {
        return gw.send(HttpRequest.newBuilder(gw.url(path)).header("authorization", "Bearer " + Harness.ADMIN_TOKEN)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body)));
    }

    private static int code(HttpResponse<String> r) throws Exception {
        return Json.MAPPER.readTree(r.body()).get("error").get(0).get("code").asInt();
    }

    @Test
    void adminRoutesMatchWholeSegments() throws Exception {
        for (String path : new String[]{"/api/v1/gatewaysXadm1", "/api/v1/gateways-adm1", "/api/v1/gatewaysadm1/logs"}) {
            HttpResponse<String> put = call("PUT", path, "{\"authentication\":true}");
            assertEquals(404, put.statusCode(), path + " -> " + put.body());
            assertEquals(2001, code(put), put.body());
            HttpResponse<String> get = call("GET", path, null);
            assertEquals(404, get.statusCode(), path);
            assertEquals(2001, code(get), get.body());
        }
        assertEquals(404, gw.admin("/api/v1/gateways/adm1").statusCode(), "no gateway 'adm1' was created");
        assertEquals(200, call("PUT", "/api/v1/gateways/adm1", "{}").statusCode(), "the real route still works");
        assertEquals(200, gw.admin("/api/v1/gateways").statusCode());
        assertEquals(200, gw.admin("/api/v1/gateways/").statusCode());
    }

    @Test
    void numericSettingsAreTakenAsSentOrRefusedNamingTheField() throws Exception {
        String[][] refused = {
                {"{\"rate_limiting_limit\":\"5\"}", "rate_limiting_limit"},
                {"{\"rate_limiting_limit\":1.9}", "rate_limiting_limit"},
                {"{\"rate_limiting_limit\":99999999999}", "rate_limiting_limit"},
                {"{\"cache_ttl\":\"300\"}", "cache_ttl"},
                {"{\"rate_limiting_rules\":[{\"scope\":\"ip\",\"limit\":\"5\",\"interval\":60}]}", "rate_limiting_rules[0].limit"},
                {"{\"rate_limiting_rules\":[{\"scope\":\"ip\",\"limit\":1.9,\"interval\":60}]}", "rate_limiting_rules[0].limit"},
                {"{\"rate_limiting_rules\":[{\"scope\":\"ip\",\"limit\":99999999999,\"interval\":60}]}", "rate_limiting_rules[0].limit"},
                {"{\"rate_limiting_rules\":[{\"scope\":\"ip\",\"limit\":5,\"interval\":\"60\"}]}", "rate_limiting_rules[0].interval"},
                {"{\"rate_limiting_rules\":[{\"scope\":\"ip\",\"limit\":5,\"interval\":60.5}]}", "rate_limiting_rules[0].interval"},
                {"{\"rate_limiting_rules\":[{\"scope\":\"ip\",\"limit\":5,\"interval\":4294967356}]}", "rate_limiting_rules[0].interval"},
                {"{\"rate_limiting_rules\":[{\"scope\":\"ip\",\"limit\":5,\"interval\":60,\"technique\":1}]}", "rate_limiting_rules[0].technique"},
        };
        for (String[] c : refused) {
            HttpResponse<String> r = call("PUT", "/api/v1/gateways/strict", c[0]);
            assertEquals(400, r.statusCode(), c[0] + " -> " + r.body());
            assertTrue(r.body().contains("'" + c[1] + "'"), c[0] + " -> " + r.body());
        }
        assertEquals(404, gw.admin("/api/v1/gateways/strict").statusCode(), "nothing stored");

        // values valid before stay valid: whole numbers, also when written 5.0
        HttpResponse<String> ok = call("PUT", "/api/v1/gateways/strict", "{\"rate_limiting_limit\":5,\"cache_ttl\":300.0,"
                + "\"rate_limiting_rules\":[{\"scope\":\"ip\",\"limit\":5.0,\"interval\":60}]}");
        assertEquals(200, ok.statusCode(), ok.body());
        JsonNode result = Json.MAPPER.readTree(ok.body()).get("result");
        assertEquals(5, result.get("rate_limiting_limit").asInt());
        assertEquals(300, result.get("cache_ttl").asInt());
        assertEquals(5, result.get("rate_limiting_rules").get(0).get("limit").asInt());
    }

    @Test
    void feedbackOutsideMinusOneToOneIsRefusedNotWrapped() throws Exception {
        HttpResponse<String> proxied = gw.post("/v1/a/fb/openai/chat/completions", "{\"model\":\"gpt-4o-mini\"}");
        String id = proxied.headers().firstValue("cf-aig-log-id").orElseThrow();
        gw.awaitLog("fb", id);
        for (String value : new String[]{"4294967297", "4294967295", "-4294967297", "2", "1.0", "\"1\""}) {
            HttpResponse<String> r = call("PATCH", "/api/v1/gateways/fb/logs/" + id, "{\"feedback\":" + value + "}");
            assertEquals(400, r.statusCode(), value + " -> " + r.body());
            assertTrue(r.body().contains("feedback"), r.body());
        }
        JsonNode log = Json.MAPPER.readTree(gw.awaitLog("fb", id)).get("result");
        assertTrue(log.get("feedback") == null || log.get("feedback").isNull() || log.get("feedback").asInt() == 0,
                "nothing was stored: " + log.get("feedback"));
        HttpResponse<String> good = call("PATCH", "/api/v1/gateways/fb/logs/" + id, "{\"feedback\":-1}");
        assertTrue(good.statusCode() == 200 || good.statusCode() == 202, good.body());
    }
}

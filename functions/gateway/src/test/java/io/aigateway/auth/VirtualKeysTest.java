package io.aigateway.auth;

import com.fasterxml.jackson.databind.JsonNode;
import io.aigateway.core.Hashing;
import io.aigateway.core.Json;
import io.aigateway.testing.ErrorBodies;
import io.aigateway.testing.Harness;
import io.aigateway.testing.StubUpstream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HexFormat;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Virtual keys: identity, allowed providers and models, expiry, revocation, rotation, a key's own request limit. */
class VirtualKeysTest {
    private static final String CHAT = "/v1/a/gov/openai/chat/completions";
    private StubUpstream stub;
    private Harness gw;

    @BeforeEach
    void start() throws Exception {
        stub = new StubUpstream();
        stub.on("/v1/chat/completions", StubUpstream.json(200, StubUpstream.CHAT_COMPLETION));
        stub.on("/v1/messages", StubUpstream.json(200, "{\"model\":\"claude-haiku-4-5\",\"usage\":{\"input_tokens\":7,\"output_tokens\":5}}"));
        gw = new Harness(Map.of("GATEWAY_UPSTREAM_OPENAI", stub.baseUri() + "/v1",
                "GATEWAY_UPSTREAM_ANTHROPIC", stub.baseUri().toString()));
        assertEquals(200, admin("PUT", "/api/v1/gateways/gov", "{\"authentication\":true}").statusCode());
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

    private JsonNode createKey(String body) throws Exception {
        HttpResponse<String> r = admin("POST", "/api/v1/gateways/gov/tokens", body);
        assertEquals(200, r.statusCode(), r.body());
        return Json.MAPPER.readTree(r.body()).get("result");
    }

    private HttpResponse<String> chat(String token, String model, String... headers) throws Exception {
        String[] all = new String[headers.length + 2];
        all[0] = "cf-aig-authorization";
        all[1] = "Bearer " + token;
        System.arraycopy(headers, 0, all, 2, headers.length);
        return gw.post(CHAT, "{\"model\":\"" + model + "\",\"messages\":[]}", all);
    }

    @Test
    void aKeysIdentityWinsOverClientMetadataAndEveryLogAndRollupCarriesTheKey() throws Exception {
        JsonNode key = createKey("{\"name\":\"search-backend\",\"metadata\":{\"team\":\"search\",\"user\":\"u-1\"}}");
        String token = key.get("token").asText();
        assertEquals("search", key.get("metadata").get("team").asText());

        HttpResponse<String> r = chat(token, "gpt-4o-mini", "cf-aig-metadata", "{\"team\":\"forged\",\"trace\":\"t-9\"}");
        assertEquals(200, r.statusCode(), r.body());
        JsonNode log = Json.MAPPER.readTree(gw.awaitLog("gov", r.headers().firstValue("cf-aig-log-id").orElseThrow()))
                .get("result");
        assertEquals(key.get("id").asText(), log.get("key_id").asText());
        assertEquals("search", log.get("metadata").get("team").asText(), "the key's identity wins");
        assertEquals("u-1", log.get("metadata").get("user").asText());
        assertEquals("t-9", log.get("metadata").get("trace").asText(), "other client entries are kept");

        HttpResponse<String> other = chat(createKey("{\"name\":\"other\"}").get("token").asText(), "gpt-4o-mini");
        gw.awaitLog("gov", other.headers().firstValue("cf-aig-log-id").orElseThrow());
        JsonNode filtered = Json.MAPPER.readTree(gw.admin("/api/v1/gateways/gov/logs?key_id=" + key.get("id").asText())
                .body()).get("result");
        assertEquals(1, filtered.size(), "the key_id filter: " + filtered);
        Thread.sleep(200); // rollups are written beside the log
        JsonNode byKey = Json.MAPPER.readTree(gw.admin("/api/v1/gateways/gov/analytics?group_by=key").body())
                .get("result").get("groups");
        assertEquals(2, byKey.size(), byKey.toString());
        assertTrue(byKey.toString().contains(key.get("id").asText()), byKey.toString());
        JsonNode byTeam = Json.MAPPER.readTree(gw.admin("/api/v1/gateways/gov/analytics?group_by=metadata.team").body())
                .get("result").get("groups");
        assertEquals("search", byTeam.get(0).get("key").asText());
        for (String line : gw.metrics) { // key ids and identities are log fields, never metric dimensions
            for (JsonNode directive : Json.MAPPER.readTree(line).get("_aws").get("CloudWatchMetrics")) {
                for (JsonNode set : directive.get("Dimensions")) {
                    set.forEach(d -> assertTrue(java.util.Set.of("Gateway", "Provider", "Model").contains(d.asText()),
                            line));
                }
            }
        }
    }

    @Test
    void aModelOrProviderTheKeyDoesNotAllowIs403On2044OnEveryRoute() throws Exception {
        String token = createKey("{\"name\":\"mini-only\",\"allowed_providers\":[\"openai\"],"
                + "\"allowed_models\":[\"gpt-4o-mini\",\"gpt-4.1-*\"]}").get("token").asText();
        assertEquals(200, chat(token, "gpt-4o-mini").statusCode());
        assertEquals(200, chat(token, "gpt-4.1-nano").statusCode(), "glob");
        HttpResponse<String> refused = chat(token, "gpt-4o");
        assertEquals(403, refused.statusCode());
        assertEquals(2044, ErrorBodies.code(refused.body()));
        assertTrue(refused.body().contains("gpt-4o") && refused.body().contains("mini-only"), refused.body());

        HttpResponse<String> otherProvider = gw.post("/v1/a/gov/anthropic/v1/messages",
                "{\"model\":\"gpt-4o-mini\",\"max_tokens\":5,\"messages\":[]}", "cf-aig-authorization", "Bearer " + token);
        assertEquals(403, otherProvider.statusCode());
        assertEquals(2044, ErrorBodies.code(otherProvider.body()));

        // the universal endpoint checks each step's own request: no bypass through it
        HttpResponse<String> universal = gw.post("/v1/a/gov", "[{\"provider\":\"openai\",\"endpoint\":\"chat/completions\","
                + "\"headers\":{},\"query\":{\"model\":\"gpt-4o\",\"messages\":[]}}]", "cf-aig-authorization", "Bearer " + token);
        assertEquals(403, universal.statusCode(), universal.body());
        assertEquals(2044, ErrorBodies.code(universal.body()));
        assertEquals(2, stub.calls.get(), "refused requests never reach the provider");

        // PATCH applies at once on this instance (within the token memory time everywhere)
        String id = Json.MAPPER.readTree(admin("GET", "/api/v1/gateways/gov/tokens", null).body())
                .get("result").get(0).get("id").asText();
        HttpResponse<String> patched = admin("PATCH", "/api/v1/gateways/gov/tokens/" + id, "{\"allowed_models\":null}");
        assertEquals(200, patched.statusCode(), patched.body());
        assertEquals(200, chat(token, "gpt-4o").statusCode());
    }

    @Test
    void expiredAndRevokedKeysAre401On2045AndRotationReplacesTheSecret() throws Exception {
        String expired = createKey("{\"name\":\"old\",\"expires_at\":\"2020-01-01T00:00:00Z\"}").get("token").asText();
        HttpResponse<String> r = chat(expired, "gpt-4o-mini");
        assertEquals(401, r.statusCode());
        assertEquals(2045, ErrorBodies.code(r.body()));
        assertTrue(r.body().contains("expired"), r.body());

        JsonNode key = createKey("{\"name\":\"live\",\"expires_at\":\"2099-01-01T00:00:00Z\"}");
        String id = key.get("id").asText();
        String first = key.get("token").asText();
        assertEquals(200, chat(first, "gpt-4o-mini").statusCode());

        JsonNode rotated = Json.MAPPER.readTree(admin("POST", "/api/v1/gateways/gov/tokens/" + id + "/rotate", null)
                .body()).get("result");
        String second = rotated.get("token").asText();
        assertEquals(id, rotated.get("id").asText(), "same key, new secret");
        assertEquals(2007, ErrorBodies.code(chat(first, "gpt-4o-mini").body()), "the old secret is gone");
        assertEquals(200, chat(second, "gpt-4o-mini").statusCode());

        assertEquals(200, admin("POST", "/api/v1/gateways/gov/tokens/" + id + "/revoke", null).statusCode());
        HttpResponse<String> revoked = chat(second, "gpt-4o-mini");
        assertEquals(401, revoked.statusCode());
        assertEquals(2045, ErrorBodies.code(revoked.body()));
        JsonNode shown = Json.MAPPER.readTree(admin("GET", "/api/v1/gateways/gov/tokens/" + id, null).body()).get("result");
        assertTrue(shown.get("revoked").asBoolean());
        assertFalse(shown.toString().contains(second.substring(second.lastIndexOf('_') + 1)), "never the secret");
        assertEquals(404, admin("GET", "/api/v1/gateways/gov/tokens/nosuchkey0000000", null).statusCode());
    }

    @Test
    void aKeysOwnRequestLimitRefusesWith429() throws Exception {
        String token = createKey("{\"name\":\"tight\",\"rate_limit\":{\"limit\":2,\"interval\":60}}").get("token").asText();
        String other = createKey("{\"name\":\"free\"}").get("token").asText();
        assertEquals(200, chat(token, "gpt-4o-mini").statusCode());
        assertEquals(200, chat(token, "gpt-4o-mini").statusCode());
        HttpResponse<String> third = chat(token, "gpt-4o-mini");
        assertEquals(429, third.statusCode());
        assertEquals(2009, ErrorBodies.code(third.body()));
        assertTrue(third.headers().firstValue("retry-after").isPresent());
        assertEquals(200, chat(other, "gpt-4o-mini").statusCode(), "other keys are not affected");
    }

    @Test
    void tokensStoredBeforeKeysHadPoliciesStillWork() throws Exception {
        String secret = "A".repeat(43);
        gw.dynamo.putItem(b -> b.tableName(gw.table).item(Map.of(
                "pk", AttributeValue.fromS("GW#gov"), "sk", AttributeValue.fromS("TOKEN#legacy0000000000"),
                "name", AttributeValue.fromS("legacy"),
                "hash", AttributeValue.fromS(HexFormat.of().formatHex(Hashing.sha256(secret))),
                "created_at", AttributeValue.fromN("1700000000000"))));
        assertEquals(200, chat("aigw_legacy0000000000_" + secret, "anything").statusCode());
        JsonNode listed = Json.MAPPER.readTree(admin("GET", "/api/v1/gateways/gov/tokens", null).body()).get("result");
        assertEquals("legacy", listed.get(0).get("name").asText());
    }

    @Test
    void badKeyFieldsAre400NamingTheField() throws Exception {
        for (String[] c : new String[][]{
                {"{\"metadata\":{\"team\":\"x\"}}", "name"},
                {"{\"name\":\"k\",\"allowed_models\":\"gpt-4o\"}", "allowed_models"},
                {"{\"name\":\"k\",\"expires_at\":\"tomorrow\"}", "expires_at"},
                {"{\"name\":\"k\",\"budget\":{\"limit_usd\":-1,\"window_seconds\":60}}", "budget.limit_usd"},
                {"{\"name\":\"k\",\"rate_limit\":{\"limit\":0,\"interval\":60}}", "rate_limit"},
                {"{\"name\":\"k\",\"colour\":\"red\"}", "colour"}}) {
            HttpResponse<String> r = admin("POST", "/api/v1/gateways/gov/tokens", c[0]);
            assertEquals(400, r.statusCode(), c[0]);
            assertTrue(r.body().contains("'" + c[1] + "'"), r.body());
        }
    }
}

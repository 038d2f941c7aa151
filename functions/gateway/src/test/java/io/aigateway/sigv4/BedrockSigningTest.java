package io.aigateway.sigv4;

import io.aigateway.core.Json;
import io.aigateway.testing.Harness;
import io.aigateway.testing.SigV4Bedrock;
import io.aigateway.testing.StubUpstream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The gateway signs Bedrock requests itself (SigV4) with a stored aws-bedrock key or its own identity, for the host
 * it calls, after every body change, replacing the client's signature; a stub that verifies SigV4 as Bedrock does
 * accepts the result and refuses a wrong one.
 */
class BedrockSigningTest {
    private static final String MODEL_PATH = "/model/anthropic.claude-3-haiku-20240307-v1:0/converse";
    private static final String CONVERSE = "/v1/a/br/aws-bedrock/bedrock-runtime/us-east-1/model/"
            + "anthropic.claude-3-haiku-20240307-v1%3A0/converse";
    private static final String BODY = "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"hi\"}]}]}";
    static final String ANSWER = "{\"output\":{\"message\":{\"role\":\"assistant\",\"content\":[{\"text\":\"hello\"}]}},"
            + "\"stopReason\":\"end_turn\",\"usage\":{\"inputTokens\":5,\"outputTokens\":2,\"totalTokens\":7},"
            + "\"metrics\":{\"latencyMs\":10}}";
    /** What boto3 sends when pointed at the gateway: a signature for the gateway's own host, useless upstream. */
    private static final String[] CLIENT_SIGNATURE = {
            "authorization", "AWS4-HMAC-SHA256 Credential=AKIACLIENT000000000/20261202/us-east-1/bedrock/aws4_request,"
            + " SignedHeaders=host;x-amz-date, Signature=" + "0".repeat(64),
            "x-amz-date", "20261202T000000Z"};

    private StubUpstream stub;
    private Harness gw;
    private String token;

    @BeforeEach
    void start() {
        stub = new StubUpstream();
        stub.on(MODEL_PATH, new SigV4Bedrock(SigV4Bedrock.ACCESS_KEY_ID, SigV4Bedrock.SECRET, "us-east-1")
                .verifying(StubUpstream.json(200, ANSWER)));
        gw = gateway(Map.of());
    }

    private Harness gateway(Map<String, String> extra) {
        Map<String, String> env = new HashMap<>(extra);
        env.put("GATEWAY_UPSTREAM_AWS_BEDROCK", stub.baseUri().toString());
        env.put("GATEWAY_SETTINGS_REFRESH_SECONDS", "1");
        return new Harness(env);
    }

    @AfterEach
    void stop() {
        gw.close();
        stub.close();
    }

    private HttpResponse<String> admin(String method, String path, String body) throws Exception {
        return gw.send(HttpRequest.newBuilder(gw.url(path)).header("authorization", "Bearer " + Harness.ADMIN_TOKEN)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body)));
    }

    private void authenticated(String extraSettings) throws Exception {
        HttpResponse<String> put = admin("PUT", "/api/v1/gateways/br", "{\"authentication\":true" + extraSettings + "}");
        assertEquals(200, put.statusCode(), put.body());
        token = Json.MAPPER.readTree(admin("POST", "/api/v1/gateways/br/tokens", "{\"name\":\"app\"}").body())
                .get("result").get("token").asText();
    }

    private HttpResponse<String> storeKey(String key) throws Exception {
        return admin("PUT", "/api/v1/gateways/br/provider-keys/aws-bedrock", "{\"key\":\"" + key + "\"}");
    }

    private HttpResponse<String> converse(String... headers) throws Exception {
        List<String> all = new java.util.ArrayList<>(List.of("cf-aig-authorization", "Bearer " + token));
        all.addAll(List.of(headers));
        return gw.post(CONVERSE, BODY, all.toArray(String[]::new));
    }

    @Test
    void aStoredKeySignsTheRequestForTheHostItGoesToReplacingTheClientsSignature() throws Exception {
        authenticated("");
        HttpResponse<String> stored = storeKey(SigV4Bedrock.ACCESS_KEY_ID + ":" + SigV4Bedrock.SECRET);
        assertEquals(200, stored.statusCode(), stored.body());
        assertFalse(stored.body().contains(SigV4Bedrock.SECRET));

        HttpResponse<String> r = converse(CLIENT_SIGNATURE);
        assertEquals(200, r.statusCode(), r.body());
        StubUpstream.Received up = stub.lastRequest();
        assertTrue(up.header("authorization").startsWith("AWS4-HMAC-SHA256 Credential=" + SigV4Bedrock.ACCESS_KEY_ID
                + "/"), up.header("authorization"));
        assertTrue(up.header("authorization").contains("/us-east-1/bedrock/aws4_request"));
        assertFalse(up.header("x-amz-date").equals("20261202T000000Z"), "the gateway's own date");
        assertNull(up.header("cf-aig-authorization"));
        assertEquals(BODY, up.bodyText());

        String log = gw.awaitLog("br", r.headers().firstValue("cf-aig-log-id").orElseThrow());
        assertFalse(log.contains(SigV4Bedrock.SECRET), log);
    }

    @Test
    void theStubRefusesAWrongSignature() throws Exception {
        authenticated("");
        assertEquals(200, storeKey(SigV4Bedrock.ACCESS_KEY_ID + ":" + "wrongSecretKey0123456789abcdefGHIJKLMN")
                .statusCode());
        HttpResponse<String> r = converse();
        assertEquals(403, r.statusCode(), r.body());
        assertTrue(r.body().contains("signature we calculated does not match"), r.body());
        // without credentials held (client_provider_keys: allow, none stored) the client's signature goes as sent
        assertEquals(200, admin("DELETE", "/api/v1/gateways/br/provider-keys/aws-bedrock", null).statusCode());
        HttpResponse<String> passed = converse(CLIENT_SIGNATURE);
        assertEquals(403, passed.statusCode(), passed.body());
        assertEquals(CLIENT_SIGNATURE[1], stub.received.stream().reduce((a, b) -> b).orElseThrow()
                .header("authorization"));
    }

    @Test
    void aBedrockKeyMustBeAwsCredentials() throws Exception {
        authenticated("");
        for (String bad : List.of("sk-not-aws", "AKIAGATEWAYTEST0001", "akia-lower:secretsecretsecret12",
                SigV4Bedrock.ACCESS_KEY_ID + ":short", "A:B:C:D")) {
            HttpResponse<String> r = storeKey(bad);
            assertEquals(400, r.statusCode(), bad + " -> " + r.body());
            assertTrue(r.body().contains("<access key id>:<secret access key>[:<session token>]"), r.body());
        }
        assertEquals(200, storeKey(SigV4Bedrock.ACCESS_KEY_ID + ":" + SigV4Bedrock.SECRET + ":"
                + "FwoGZXIvYXdzEBaaDOsessionTokenBase64==").statusCode());
        HttpResponse<String> r = converse();
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("FwoGZXIvYXdzEBaaDOsessionTokenBase64==", stub.lastRequest().header("x-amz-security-token"));
    }

    @Test
    void theFunctionsOwnIdentitySignsWhenTheSettingAllowsIt() throws Exception {
        gw.close();
        gw = gateway(Map.of("AWS_ACCESS_KEY_ID", SigV4Bedrock.ACCESS_KEY_ID,
                "AWS_SECRET_ACCESS_KEY", SigV4Bedrock.SECRET));
        HttpResponse<String> open = admin("PUT", "/api/v1/gateways/br", "{\"bedrock_credentials\":\"function_role\"}");
        assertEquals(400, open.statusCode(), open.body());
        assertTrue(open.body().contains("authentication"), open.body());
        assertEquals(400, admin("PUT", "/api/v1/gateways/br", "{\"authentication\":true,"
                + "\"bedrock_credentials\":\"mine\"}").statusCode());

        authenticated("");
        assertEquals(403, converse(CLIENT_SIGNATURE).statusCode(), "off by default: the client's signature goes");
        assertEquals(200, admin("PUT", "/api/v1/gateways/br", "{\"bedrock_credentials\":\"function_role\"}")
                .statusCode());
        HttpResponse<String> r = converse(CLIENT_SIGNATURE);
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(stub.received.stream().reduce((a, b) -> b).orElseThrow().header("authorization")
                .contains(SigV4Bedrock.ACCESS_KEY_ID));
        String settings = admin("GET", "/api/v1/gateways/br", null).body();
        assertTrue(settings.contains("\"bedrock_credentials\":\"function_role\""), settings);
    }

    @Test
    void aClientsBedrockApiKeyIsUsedUnderAllowAndReplacedUnderDeny() throws Exception {
        authenticated("");
        assertEquals(200, storeKey(SigV4Bedrock.ACCESS_KEY_ID + ":" + SigV4Bedrock.SECRET).statusCode());
        converse("authorization", "Bearer ABSKbedrockApiKey");
        assertEquals("Bearer ABSKbedrockApiKey", stub.lastRequest().header("authorization"));

        assertEquals(200, admin("PUT", "/api/v1/gateways/br", "{\"client_provider_keys\":\"deny\"}").statusCode());
        HttpResponse<String> r = converse("authorization", "Bearer ABSKbedrockApiKey");
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(stub.lastRequest().header("authorization").startsWith("AWS4-HMAC-SHA256"));
    }

    @Test
    void signedBedrockAnswersAreCachedWhateverTheClientsSignature() throws Exception {
        authenticated(",\"cache_ttl\":600");
        assertEquals(200, storeKey(SigV4Bedrock.ACCESS_KEY_ID + ":" + SigV4Bedrock.SECRET).statusCode());
        HttpResponse<String> first = converse(CLIENT_SIGNATURE);
        assertEquals(200, first.statusCode(), first.body());
        long deadline = System.currentTimeMillis() + 5_000;
        HttpResponse<String> second;
        int attempt = 0;
        do { // the cache fill completes in the background; each try signs anew, as an AWS SDK does
            attempt++;
            String[] another = CLIENT_SIGNATURE.clone();
            another[1] = another[1].replace("0".repeat(64), String.format("%064x", attempt));
            another[3] = String.format("20261202T0000%02dZ", attempt % 60);
            second = converse(another);
        } while (!"HIT".equals(second.headers().firstValue("cf-aig-cache-status").orElse(""))
                && System.currentTimeMillis() < deadline && sleep());
        assertEquals("HIT", second.headers().firstValue("cf-aig-cache-status").orElse(null), second.body());
        assertEquals(ANSWER, second.body());
        assertNotNull(first.headers().firstValue("cf-aig-cache-status").orElse(null));
    }

    private static boolean sleep() throws InterruptedException {
        Thread.sleep(50);
        return true;
    }
}

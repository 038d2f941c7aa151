package io.aigateway.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aigateway.local.LocalRuntime.Options;
import io.aigateway.local.ProviderStub.Reply;
import io.aigateway.local.ProviderStub.Seen;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * boto3 with {@code endpoint_url} at the gateway's Bedrock route and only a gateway token: the gateway holds AWS
 * credentials (a stored aws-bedrock key, in the encrypted --data vault) and signs each request itself. boto3's own
 * signature (other credentials, for the gateway's host) never reaches the stub; the stub's request carries a SigV4
 * signature that verifies, recomputed here independently of the AWS SDK ({@link ProviderStub#sigV4Mismatch}) with
 * the stored credentials, for the host the request arrived at. Converse and InvokeModel; the second converse is a
 * cache hit. Needs python3 with boto3 (as {@link OfficialSdkEndToEndTest}).
 */
class BedrockSigningSdkEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String ADMIN = "e2e-admin-token-0123456789";
    private static final String REGION = "us-west-2";
    private static final String GATEWAY_KEY_ID = "AKIAGATEWAYSIGNS0001";
    private static final String GATEWAY_SECRET = "gatewayHeldSecret/0123456789+abcdefghijkl";
    private static final String CLIENT_KEY_ID = "AKIACLIENTNOTUSED001";
    private static final String CLIENT_SECRET = "clientSecretNeverUpstream0123456789abcdef";
    private static final Reply CONVERSE = new Reply("anthropic.claude-3-haiku-20240307-v1:0",
            List.of("Signed ", "by the gateway."), 12, 5);
    private static final Reply INVOKE = new Reply("anthropic.claude-3-5-haiku-20241022-v1:0",
            List.of("Invoked, ", "signed."), 14, 4);

    @Test
    void boto3WithEndpointUrlAndAGatewayTokenGetsBedrockAnswersTheGatewaySigned(@TempDir Path data) throws Exception {
        try (ProviderStub stub = new ProviderStub(10, List.of(CONVERSE, INVOKE));
             LocalRuntime runtime = LocalRuntime.start(Options.parse("--data", data.toString(), "--port", "0")
                     .withEnv(Map.of("GATEWAY_UPSTREAM_AWS_BEDROCK", stub.baseUrl(),
                             "GATEWAY_ADMIN_TOKEN", ADMIN)))) {
            URI base = URI.create(runtime.rootUrl());
            admin(base, "PUT", "/api/v1/gateways/br", "{\"authentication\": true, \"cache_ttl\": 600}");
            String token = admin(base, "POST", "/api/v1/gateways/br/tokens", "{\"name\": \"boto3-app\"}")
                    .path("result").path("token").asText();
            admin(base, "PUT", "/api/v1/gateways/br/provider-keys/aws-bedrock",
                    "{\"key\": \"" + GATEWAY_KEY_ID + ":" + GATEWAY_SECRET + "\", \"description\": \"bedrock\"}");

            JsonNode got = python(JSON.createObjectNode()
                    .put("endpoint_url", base.resolve("/v1/local/br/aws-bedrock/bedrock-runtime/" + REGION).toString())
                    .put("region", REGION).put("token", token)
                    .set("models", JSON.createObjectNode().put("converse", CONVERSE.model())
                            .put("invoke", INVOKE.model())).toString());

            assertEquals(CONVERSE.text(), got.path("converse").path("content").asText(), got::toString);
            assertEquals(CONVERSE.tokensIn(), got.path("converse").path("usage").path("inputTokens").asInt());
            assertEquals(INVOKE.text(), got.path("invoke").path("content").asText(), got::toString);
            assertEquals(CONVERSE.text(), got.path("again").path("content").asText(), got::toString);
            assertEquals("HIT", got.path("again").path("headers").path("cf-aig-cache-status").asText(),
                    () -> "boto3 signs each request anew; the gateway's own signature is no part of the key: " + got);

            List<Seen> converse = stub.seenFor(CONVERSE.model());
            assertEquals(1, converse.size(), "the second converse came from the cache");
            for (Seen seen : List.of(converse.getFirst(), stub.seenFor(INVOKE.model()).getFirst())) {
                String authorization = seen.header("authorization");
                assertTrue(authorization.contains("Credential=" + GATEWAY_KEY_ID + "/"), seen::toString);
                assertFalse(seen.toString().contains(CLIENT_KEY_ID), () -> "boto3's signature stays here: " + seen);
                assertNull(seen.header("cf-aig-authorization"), seen::toString);
                String mismatch = ProviderStub.sigV4Mismatch(seen, GATEWAY_SECRET, REGION, "bedrock",
                        seen.header("host"));
                assertNull(mismatch, () -> "the gateway's signature must verify: " + mismatch + "\n" + seen);
                assertNotNull(ProviderStub.sigV4Mismatch(seen, GATEWAY_SECRET, REGION, "bedrock",
                        "bedrock-runtime." + REGION + ".amazonaws.com"), "the check can fail: signed for another host");
                assertNotNull(ProviderStub.sigV4Mismatch(seen, CLIENT_SECRET, REGION, "bedrock", seen.header("host")),
                        "the check can fail: other credentials");
            }
            Seen invoked = stub.seenFor(INVOKE.model()).getFirst();
            assertEquals("ENABLED", invoked.header("x-amzn-bedrock-trace"));
            assertTrue(invoked.header("authorization").contains("x-amzn-bedrock-trace"), "signed by the gateway");
            String logs = admin(base, "GET", "/api/v1/gateways/br/logs?limit=50", null).toString();
            assertFalse(logs.contains(GATEWAY_SECRET), "the stored secret is never logged");
        }
    }

    private static JsonNode admin(URI base, String method, String path, String body) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(base.resolve(path))
                .header("authorization", "Bearer " + ADMIN).header("content-type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), method + " " + path + ": " + r.body());
        return JSON.readTree(r.body());
    }

    private static JsonNode python(String config) throws Exception {
        Path dir = Path.of(System.getProperty("basedir", "."), "src", "test", "python").toAbsolutePath().normalize();
        if (!Files.isRegularFile(dir.resolve("sdk_e2e.py"))) {
            dir = Path.of("infra", "local", "src", "test", "python").toAbsolutePath().normalize();
        }
        Path out = Files.createTempFile("bedrock-e2e", ".out");
        Path err = Files.createTempFile("bedrock-e2e", ".err");
        try {
            ProcessBuilder builder = new ProcessBuilder("python3",
                    dir.resolve("boto3_bedrock_signing_e2e.py").toString(), config)
                    .redirectOutput(out.toFile()).redirectError(err.toFile());
            Map<String, String> env = builder.environment();
            List.of("AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE",
                    "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_BEDROCK_RUNTIME", "AWS_REGION", "AWS_DEFAULT_REGION",
                    "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")
                    .forEach(env::remove);
            env.put("AWS_ACCESS_KEY_ID", CLIENT_KEY_ID);
            env.put("AWS_SECRET_ACCESS_KEY", CLIENT_SECRET);
            env.put("AWS_CONFIG_FILE", "/dev/null");
            env.put("AWS_SHARED_CREDENTIALS_FILE", "/dev/null");
            env.put("AWS_EC2_METADATA_DISABLED", "true");
            env.put("NO_PROXY", "127.0.0.1,localhost");
            env.put("PYTHONDONTWRITEBYTECODE", "1");
            Process p;
            try {
                p = builder.start();
            } catch (IOException e) {
                fail("python3 with boto3 is needed: python3 -m pip install boto3");
                return null;
            }
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail("the boto3 script did not finish in 120 s");
            }
            String stdout = Files.readString(out);
            assertEquals(0, p.exitValue(), stdout + "\n" + Files.readString(err));
            return JSON.readTree(stdout.strip().lines().reduce((a, b) -> b).orElse(""));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}

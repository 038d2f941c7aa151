package io.aigateway.plugin;

import com.fasterxml.jackson.databind.JsonNode;
import io.aigateway.core.Headers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static io.aigateway.plugin.Fixtures.check;
import static io.aigateway.plugin.Fixtures.modify;
import static io.aigateway.plugin.Fixtures.request;
import static io.aigateway.plugin.Fixtures.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Hooks against real HTTP endpoints on loopback: answers, order, overlap, failures and what a hook may see. */
class HookRunnerTest {
    static HookServer server;
    static HookClient client;

    @BeforeAll
    static void start() throws Exception {
        server = new HookServer();
        client = new HookClient();
    }

    @AfterAll
    static void stop() {
        client.close();
        server.close();
    }

    private static PluginRunner runner(HookSettings... hooks) {
        return PluginRunner.create(List.of(), List.of(hooks), PluginRegistry.empty(), client);
    }

    @Test
    void allowProceedsUnchanged() {
        server.answer("/allow", "{\"action\":\"allow\"}");
        RequestOutcome out = runner(check("a", server.url("/allow"))).onRequest(request());
        RequestOutcome.Proceed p = assertInstanceOf(RequestOutcome.Proceed.class, out);
        assertTrue(p.edits().isEmpty());
    }

    @Test
    void blockNamesTheHookAndCarriesItsMessage() {
        server.answer("/block", "{\"action\":\"block\",\"message\":\"no secrets in prompts\"}");
        RequestOutcome out = runner(check("moderation", server.url("/block"))).onRequest(request());
        RequestOutcome.Blocked b = assertInstanceOf(RequestOutcome.Blocked.class, out);
        assertEquals("hook:moderation", b.by());
        assertEquals("no secrets in prompts", b.message());
        assertEquals("Request blocked by hook 'moderation': no secrets in prompts", b.clientMessage());
    }

    @Test
    void modifyReplacesTheBody() {
        server.answer("/modify", "{\"action\":\"modify\",\"body\":{\"model\":\"gpt-4o-mini\",\"messages\":[]}}");
        RequestOutcome out = runner(modify("rewrite", server.url("/modify"))).onRequest(request());
        RequestOutcome.Proceed p = assertInstanceOf(RequestOutcome.Proceed.class, out);
        assertEquals("{\"model\":\"gpt-4o-mini\",\"messages\":[]}", text(p.edits().body()));
    }

    @Test
    void modifyHooksRunInListedOrderEachSeeingThePreviousBody() {
        server.on("/chain-1", c -> new Object[]{200, append(c, "one")});
        server.on("/chain-2", c -> new Object[]{200, append(c, "two")});
        server.on("/chain-3", c -> new Object[]{200, append(c, "three")});
        RequestOutcome out = runner(modify("m1", server.url("/chain-1")), modify("m2", server.url("/chain-2")),
                modify("m3", server.url("/chain-3"))).onRequest(request("{\"trail\":[]}"));
        RequestOutcome.Proceed p = assertInstanceOf(RequestOutcome.Proceed.class, out);
        assertEquals("{\"trail\":[\"one\",\"two\",\"three\"]}", text(p.edits().body()));
    }

    private static String append(HookServer.Call call, String mark) {
        JsonNode body = call.json().get("body").deepCopy();
        ((com.fasterxml.jackson.databind.node.ArrayNode) body.get("trail")).add(mark);
        return "{\"action\":\"modify\",\"body\":" + body + "}";
    }

    @Test
    void checkHooksOverlap() {
        // each waits for the other to arrive: sequential calls could never both get past the latch
        CountDownLatch both = new CountDownLatch(2);
        HookServer.Reply rendezvous = c -> {
            both.countDown();
            return new Object[]{200, both.await(5, TimeUnit.SECONDS) ? "{\"action\":\"allow\"}" : "{}"};
        };
        server.on("/meet-1", rendezvous).on("/meet-2", rendezvous);
        RequestOutcome out = runner(hook("m1", "/meet-1", 8000), hook("m2", "/meet-2", 8000)).onRequest(request());
        assertInstanceOf(RequestOutcome.Proceed.class, out);
    }

    @Test
    void twoSlowChecksTakeAboutAsLongAsOne() {
        HookServer.Reply slow = c -> {
            Thread.sleep(300);
            return new Object[]{200, "{\"action\":\"allow\"}"};
        };
        server.on("/slow-1", slow).on("/slow-2", slow);
        PluginRunner runner = runner(check("s1", server.url("/slow-1")), check("s2", server.url("/slow-2")));
        runner.onRequest(request()); // warm the pool: connection set-up is not what this measures
        long start = System.nanoTime();
        RequestOutcome out = runner.onRequest(request());
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertInstanceOf(RequestOutcome.Proceed.class, out);
        // one after the other, the two sleeps alone take 600 ms
        assertTrue(ms < 600, "two 300 ms checks took " + ms + " ms");
    }

    private static HookSettings hook(String id, String path, int timeoutMs) {
        return Fixtures.hook(id, server.url(path), HookMode.CHECK, FailMode.CLOSED, timeoutMs);
    }

    @Test
    void aBlockingCheckWinsOverAllowingOnesAndTheFirstListedBlockerIsNamed() {
        server.answer("/ok", "{\"action\":\"allow\"}");
        server.on("/late-no", c -> {
            Thread.sleep(150);
            return new Object[]{200, "{\"action\":\"block\",\"message\":\"late\"}"};
        });
        server.answer("/early-no", "{\"action\":\"block\",\"message\":\"early\"}");
        RequestOutcome out = runner(check("ok", server.url("/ok")), check("late", server.url("/late-no")),
                check("early", server.url("/early-no"))).onRequest(request());
        RequestOutcome.Blocked b = assertInstanceOf(RequestOutcome.Blocked.class, out);
        assertEquals("hook:late", b.by());
    }

    @Test
    void timeoutFailsClosed() {
        server.on("/sleepy", c -> {
            Thread.sleep(2000);
            return new Object[]{200, "{\"action\":\"allow\"}"};
        });
        long start = System.nanoTime();
        RequestOutcome out = runner(Fixtures.hook("sleepy", server.url("/sleepy"), HookMode.CHECK, FailMode.CLOSED, 200))
                .onRequest(request());
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        RequestOutcome.Blocked b = assertInstanceOf(RequestOutcome.Blocked.class, out);
        assertEquals("hook:sleepy", b.by());
        assertTrue(b.message().contains("timeout after 200 ms"), b.message());
        assertTrue(ms < 1500, "the caller waited " + ms + " ms for a 200 ms timeout");
    }

    @Test
    void timeoutFailsOpenWithANote() {
        server.on("/sleepy-open", c -> {
            Thread.sleep(2000);
            return new Object[]{200, "{\"action\":\"block\"}"};
        });
        RequestOutcome out = runner(Fixtures.hook("lenient", server.url("/sleepy-open"), HookMode.CHECK, FailMode.OPEN, 200))
                .onRequest(request());
        RequestOutcome.Proceed p = assertInstanceOf(RequestOutcome.Proceed.class, out);
        assertTrue(p.annotations().get("hook.lenient.error").contains("timeout"), p.annotations().toString());
    }

    @Test
    void garbageAnswersFollowFail() {
        server.answer("/garbage", "<html>hello</html>");
        server.answer("/no-action", "{\"verdict\":\"ok\"}");
        server.answer("/unknown-action", "{\"action\":\"maybe\"}");
        server.answer("/check-modifies", "{\"action\":\"modify\",\"body\":{}}");
        server.answer("/modify-without-body", "{\"action\":\"modify\"}");
        for (String path : List.of("/garbage", "/no-action", "/unknown-action", "/check-modifies")) {
            RequestOutcome closed = runner(check("g", server.url(path))).onRequest(request());
            assertInstanceOf(RequestOutcome.Blocked.class, closed, path);
            RequestOutcome open = runner(Fixtures.hook("g", server.url(path), HookMode.CHECK, FailMode.OPEN, 2000))
                    .onRequest(request());
            assertInstanceOf(RequestOutcome.Proceed.class, open, path);
            assertTrue(open.annotations().containsKey("hook.g.error"), path);
        }
        RequestOutcome noBody = runner(modify("m", server.url("/modify-without-body"))).onRequest(request());
        assertTrue(assertInstanceOf(RequestOutcome.Blocked.class, noBody).message().contains("body"));
    }

    @Test
    void nonSuccessStatusFollowsFail() {
        server.on("/error", c -> new Object[]{503, "{\"action\":\"allow\"}"});
        RequestOutcome closed = runner(check("e", server.url("/error"))).onRequest(request());
        assertTrue(assertInstanceOf(RequestOutcome.Blocked.class, closed).message().contains("status 503"));
        RequestOutcome open = runner(Fixtures.hook("e", server.url("/error"), HookMode.CHECK, FailMode.OPEN, 2000))
                .onRequest(request());
        assertEquals("failed (status 503)", open.annotations().get("hook.e.error"));
    }

    @Test
    void unreachableHookFollowsFail() throws Exception {
        java.net.URI closedPort;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = java.net.URI.create("http://127.0.0.1:" + s.getLocalPort() + "/gone");
        }
        RequestOutcome out = runner(check("gone", closedPort)).onRequest(request());
        assertTrue(assertInstanceOf(RequestOutcome.Blocked.class, out).message().contains("unreachable"));
    }

    @Test
    void theHookGetsTheDescribedPayloadAndNoCredentials() {
        server.answer("/inspect", "{\"action\":\"allow\",\"annotations\":{\"verdict\":\"clean\"}}");
        HookSettings hook = new HookSettings("inspect", server.url("/inspect"), HookPhase.BOTH, 2000, FailMode.CLOSED,
                Map.of("authorization", "Bearer hook-own-secret"), HookMode.CHECK);
        PluginRunner runner = runner(hook);
        RequestOutcome out = runner.onRequest(request(
                "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"my key is " + Fixtures.CLIENT_KEY + "\"}]}"));
        assertEquals("clean", out.annotations().get("hook.inspect.verdict"));
        runner.onResponse(PluginResponse.buffered(request(), 200, Headers.builder()
                .add("content-type", "application/json").add("set-cookie", "sid=abc123secret").build(),
                "{\"choices\":[]}".getBytes(StandardCharsets.UTF_8)));

        List<HookServer.Call> calls = server.callsTo("/inspect");
        assertEquals(2, calls.size());
        JsonNode req = calls.get(0).json();
        assertEquals("inspect", req.get("hook").asText());
        assertEquals("request", req.get("phase").asText());
        assertEquals("gw1", req.get("gateway").asText());
        assertEquals("openai", req.get("provider").asText());
        assertEquals("gpt-4o", req.get("model").asText());
        assertEquals("POST", req.get("method").asText());
        assertEquals("/chat/completions", req.get("path").asText());
        assertEquals("search", req.get("headers").get("x-team").asText());
        assertEquals("user", req.get("body").get("messages").get(0).get("role").asText());
        assertEquals("u-42", req.get("metadata").get("user").asText());
        assertFalse(req.has("status"));
        JsonNode resp = calls.get(1).json();
        assertEquals("response", resp.get("phase").asText());
        assertEquals(200, resp.get("status").asInt());
        assertFalse(resp.get("streamed").asBoolean());
        assertTrue(resp.get("body").get("choices").isArray());

        for (HookServer.Call call : calls) {
            assertEquals("Bearer hook-own-secret", call.header("authorization"), "the hook's own header");
            String everything = call.headers() + call.body();
            for (String secret : List.of(Fixtures.CLIENT_KEY, Fixtures.ANTHROPIC_KEY, Fixtures.GATEWAY_TOKEN,
                    "azure-key-1234567890", "AIzaSyA1234567890", "s3cr3t-cookie", "abc123secret")) {
                assertFalse(everything.contains(secret), "hook saw " + secret + ": " + everything);
            }
            JsonNode headers = call.json().get("headers");
            for (String name : List.of("authorization", "x-api-key", "api-key", "x-goog-api-key",
                    "cf-aig-authorization", "cookie", "set-cookie")) {
                assertFalse(headers.has(name), name);
            }
        }
    }

    @Test
    void responseHooksBlockAndModifyBufferedAnswers() {
        server.answer("/resp-block", "{\"action\":\"block\",\"message\":\"unsafe answer\"}");
        server.answer("/resp-modify", "{\"action\":\"modify\",\"body\":{\"choices\":[{\"text\":\"[filtered]\"}]}}");
        PluginResponse answer = PluginResponse.buffered(request(), 200,
                Headers.builder().add("content-type", "application/json").build(),
                "{\"choices\":[{\"text\":\"raw\"}]}".getBytes(StandardCharsets.UTF_8));
        ResponseOutcome blocked = runner(check("rb", server.url("/resp-block"))).onResponse(answer);
        assertEquals("Response blocked by hook 'rb': unsafe answer",
                assertInstanceOf(ResponseOutcome.Blocked.class, blocked).clientMessage());
        ResponseOutcome modified = runner(modify("rm", server.url("/resp-modify"))).onResponse(answer);
        ResponseOutcome.Proceed p = assertInstanceOf(ResponseOutcome.Proceed.class, modified);
        assertEquals("{\"choices\":[{\"text\":\"[filtered]\"}]}", text(p.edits().body()));
    }

    @Test
    void afterAStreamHooksCanOnlyFlagAndAnnotate() {
        server.answer("/stream-block", "{\"action\":\"block\",\"message\":\"would block\"}");
        server.answer("/stream-modify", "{\"action\":\"modify\",\"body\":{\"x\":1}}");
        PluginResponse streamed = PluginResponse.afterStream(request(), 200,
                Headers.builder().add("content-type", "text/event-stream").build(),
                "data: {\"choices\":[]}\n\n".getBytes(StandardCharsets.UTF_8), false);
        StreamedOutcome modified = runner(modify("sm", server.url("/stream-modify"))).afterStream(streamed);
        assertTrue(modified.cacheable());
        assertEquals("modify after stream", modified.annotations().get("hook.sm.ignored"));
        StreamedOutcome flagged = runner(check("sb", server.url("/stream-block"))).afterStream(streamed);
        assertFalse(flagged.cacheable());
        assertEquals("hook:sb", flagged.flaggedBy().orElseThrow());
        JsonNode payload = server.callsTo("/stream-block").get(0).json();
        assertTrue(payload.get("streamed").asBoolean());
        assertEquals("data: {\"choices\":[]}\n\n", payload.get("body").asText());
    }

    @Test
    void requestOnlyHooksAreNotCalledForAnswers() {
        server.answer("/req-only", "{\"action\":\"block\"}");
        HookSettings hook = new HookSettings("r", server.url("/req-only"), HookPhase.REQUEST, 2000, FailMode.CLOSED,
                Map.of(), HookMode.CHECK);
        PluginRunner runner = runner(hook);
        assertFalse(runner.runsOnResponse());
        ResponseOutcome out = runner.onResponse(PluginResponse.buffered(request(), 200, Headers.empty(), new byte[0]));
        assertInstanceOf(ResponseOutcome.Proceed.class, out);
        assertTrue(server.callsTo("/req-only").isEmpty());
        assertNull(((ResponseOutcome.Proceed) out).edits().body());
    }

    @Test
    void largeBodiesAreOmitted() throws Exception {
        server.answer("/big", "{\"action\":\"allow\"}");
        try (HookClient small = new HookClient(64)) {
            PluginRunner runner = PluginRunner.create(List.of(), List.of(check("big", server.url("/big"))),
                    PluginRegistry.empty(), small);
            runner.onRequest(request("{\"messages\":[{\"content\":\"" + "x".repeat(100) + "\"}]}"));
        }
        JsonNode payload = server.callsTo("/big").get(0).json();
        assertTrue(payload.get("body").isNull());
        assertEquals("too_large", payload.get("body_omitted").asText());
    }
}

package io.aigateway.plugin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aigateway.core.Headers;
import io.aigateway.core.Json;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import static io.aigateway.plugin.Fixtures.request;
import static io.aigateway.plugin.Fixtures.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** In-process plug-ins: decisions, chaining, failures and annotations. */
class PluginRunnerTest {

    /** A plug-in whose behaviour is a function of its config's "do" field, so one class covers every case. */
    static final class Scripted implements GatewayPlugin {
        private final String name;
        private final Function<PluginRequest, RequestDecision> onRequest;
        private final Function<PluginResponse, ResponseDecision> onResponse;
        final List<PluginRequest> seen = new ArrayList<>();

        Scripted(String name, Function<PluginRequest, RequestDecision> onRequest,
                 Function<PluginResponse, ResponseDecision> onResponse) {
            this.name = name;
            this.onRequest = onRequest;
            this.onResponse = onResponse;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public RequestDecision onRequest(PluginRequest request) {
            seen.add(request);
            return onRequest.apply(request);
        }

        @Override
        public ResponseDecision onResponse(PluginResponse response) {
            return onResponse.apply(response);
        }
    }

    private static Scripted onRequest(String name, Function<PluginRequest, RequestDecision> f) {
        return new Scripted(name, f, r -> ResponseDecision.allow());
    }

    private static PluginRunner runner(List<GatewayPlugin> plugins, PluginSettings... entries) {
        return PluginRunner.create(List.of(entries), List.of(), PluginRegistry.of(plugins), null);
    }

    private static PluginSettings entry(String name, FailMode fail) {
        return new PluginSettings(name, null, PluginPoint.BEFORE_CACHE, fail);
    }

    private static PluginSettings after(String name, FailMode fail) {
        return new PluginSettings(name, null, PluginPoint.AFTER_RESPONSE, fail);
    }

    @Test
    void pluginsSeeNoCredentialsAndNoQuery() {
        Scripted spy = onRequest("spy", r -> RequestDecision.allow());
        runner(List.of(spy), entry("spy", FailMode.CLOSED)).onRequest(request());
        PluginRequest seen = spy.seen.get(0);
        assertEquals("/chat/completions", seen.path());
        for (String name : List.of("authorization", "x-api-key", "api-key", "x-goog-api-key", "cf-aig-authorization",
                "cookie")) {
            assertFalse(seen.headers().contains(name), name);
        }
        assertEquals("search", seen.headers().firstOrNull("x-team"));
        assertFalse(seen.headers().toString().contains(Fixtures.CLIENT_KEY));
        assertFalse(seen.headers().firstOrNull("x-forwarded-note").contains(Fixtures.CLIENT_KEY));
        assertEquals("gpt-4o", seen.body().json().orElseThrow().get("model").asText());
    }

    @Test
    void jsonAccessorHandsOutCopies() {
        PluginRequest r = request();
        ((ObjectNode) r.body().json().orElseThrow()).put("model", "changed");
        assertEquals("gpt-4o", r.body().json().orElseThrow().get("model").asText());
        assertTrue(PluginBody.of("not json".getBytes(StandardCharsets.UTF_8), "text/plain").json().isEmpty());
    }

    @Test
    void blockEndsThePhaseNamingThePlugin() {
        Scripted never = onRequest("never", r -> RequestDecision.allow());
        RequestOutcome out = runner(List.of(onRequest("guard", r -> RequestDecision.block("nope")), never),
                entry("guard", FailMode.CLOSED), entry("never", FailMode.CLOSED)).onRequest(request());
        RequestOutcome.Blocked b = assertInstanceOf(RequestOutcome.Blocked.class, out);
        assertEquals("plugin:guard", b.by());
        assertEquals("Request blocked by plug-in 'guard': nope", b.clientMessage());
        assertTrue(never.seen.isEmpty());
    }

    @Test
    void modificationsChainAndFold() {
        Scripted first = onRequest("first", r -> {
            ObjectNode body = (ObjectNode) r.body().json().orElseThrow();
            body.put("model", "gpt-4o-mini");
            return RequestDecision.modify(body).setHeader("X-Team", "ads").setHeader("x-drop-later", "1")
                    .removeHeader("x-remove-me");
        });
        Scripted second = onRequest("second", r -> {
            assertEquals("gpt-4o-mini", r.body().json().orElseThrow().get("model").asText());
            assertEquals("ads", r.headers().firstOrNull("x-team"));
            return RequestDecision.modify(null).removeHeader("x-drop-later").setHeader("x-remove-me", "back");
        });
        RequestOutcome out = runner(List.of(first, second), entry("first", FailMode.CLOSED),
                entry("second", FailMode.CLOSED)).onRequest(request());
        RequestEdits edits = assertInstanceOf(RequestOutcome.Proceed.class, out).edits();
        assertEquals("gpt-4o-mini", Json.MAPPER.valueToTree(parse(edits.body())).get("model").asText());
        assertEquals(Map.of("x-team", "ads", "x-remove-me", "back"), edits.setHeaders());
        assertEquals(Set.of("x-drop-later"), edits.removeHeaders());

        Headers upstream = Headers.builder().add("authorization", "Bearer k").add("x-team", "search")
                .add("x-drop-later", "0").build();
        Headers sent = edits.applyTo(upstream);
        assertEquals("Bearer k", sent.firstOrNull("authorization"), "the real headers keep the credentials");
        assertEquals(List.of("ads"), sent.all("x-team"));
        assertFalse(sent.contains("x-drop-later"));
        assertEquals("back", sent.firstOrNull("x-remove-me"));
    }

    private static JsonNode parse(byte[] bytes) {
        try {
            return Json.MAPPER.readTree(bytes);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void decisionsRefuseHeadersTheGatewayOwns() {
        for (String name : List.of("host", "content-length", "transfer-encoding", "cf-aig-cache-key", "bad name")) {
            assertThrows(IllegalArgumentException.class, () -> RequestDecision.modify(null).setHeader(name, "x"), name);
        }
        assertThrows(IllegalArgumentException.class, () -> RequestDecision.modify(null).setHeader("x-a", "one\r\ntwo"));
        assertThrows(IllegalArgumentException.class, () -> ResponseDecision.modify(null).addHeader("content-length", "1"));
    }

    @Test
    void anExceptionFailsClosedByDefault() {
        RequestOutcome out = runner(List.of(onRequest("buggy", r -> {
            throw new IllegalStateException("boom");
        })), new PluginSettings("buggy", null, null, null)).onRequest(request());
        RequestOutcome.Blocked b = assertInstanceOf(RequestOutcome.Blocked.class, out);
        assertEquals("plugin:buggy", b.by());
        assertEquals("failed (IllegalStateException) and is set to fail closed", b.message());
        assertFalse(b.clientMessage().contains("boom"), "internals stay in the server log");
    }

    @Test
    void anExceptionFailsOpenWithANote() {
        Scripted next = onRequest("next", r -> RequestDecision.allow());
        RequestOutcome out = runner(List.of(onRequest("buggy", r -> null), next),
                entry("buggy", FailMode.OPEN), entry("next", FailMode.CLOSED)).onRequest(request());
        RequestOutcome.Proceed p = assertInstanceOf(RequestOutcome.Proceed.class, out);
        assertEquals("failed (NullPointerException)", p.annotations().get("plugin.buggy.error"));
        assertEquals(1, next.seen.size());
    }

    @Test
    void aMissingOrMisconfiguredPluginFailsAsItsEntrySays() {
        GatewayPlugin picky = new GatewayPlugin() {
            @Override
            public String name() {
                return "picky";
            }
        };
        ObjectNode config = Json.MAPPER.createObjectNode().put("unexpected", true);
        PluginRunner runner = PluginRunner.create(List.of(
                new PluginSettings("gone", null, PluginPoint.BEFORE_CACHE, FailMode.OPEN),
                new PluginSettings("picky", config, PluginPoint.BEFORE_CACHE, FailMode.CLOSED)),
                List.of(), PluginRegistry.of(List.of(picky)), null);
        RequestOutcome out = runner.onRequest(request());
        assertTrue(out.annotations().get("plugin.gone.error").startsWith("not available"));
        assertEquals("plugin:picky", assertInstanceOf(RequestOutcome.Blocked.class, out).by());
    }

    @Test
    void annotationsArePrefixedAndBounded() {
        RequestOutcome out = runner(List.of(
                onRequest("a", r -> RequestDecision.allow().annotate("score", "0.3").annotate("long", "x".repeat(1000))),
                onRequest("b", r -> RequestDecision.allow().annotate("score", "0.9"))),
                entry("a", FailMode.CLOSED), entry("b", FailMode.CLOSED)).onRequest(request());
        assertEquals("0.3", out.annotations().get("plugin.a.score"));
        assertEquals("0.9", out.annotations().get("plugin.b.score"));
        assertEquals(Annotations.MAX_VALUE, out.annotations().get("plugin.a.long").length());
        assertThrows(IllegalArgumentException.class, () -> RequestDecision.allow().annotate("bad key!", "v"));

        List<GatewayPlugin> chatty = new ArrayList<>();
        List<PluginSettings> entries = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            chatty.add(onRequest("p" + i, r -> {
                RequestDecision d = RequestDecision.allow();
                for (int k = 0; k < Annotations.MAX_PER_DECISION; k++) {
                    d = d.annotate("k" + k, "v");
                }
                return d;
            }));
            entries.add(entry("p" + i, FailMode.CLOSED));
        }
        Map<String, String> notes = PluginRunner.create(entries, List.of(), PluginRegistry.of(chatty), null)
                .onRequest(request()).annotations();
        assertEquals(Annotations.MAX_PER_REQUEST + 1, notes.size());
        assertEquals("16", notes.get("annotations_dropped"));
    }

    @Test
    void pointsSplitThePhases() {
        Scripted req = new Scripted("req", r -> RequestDecision.block("request"), r -> ResponseDecision.block("x"));
        Scripted resp = new Scripted("resp", r -> RequestDecision.block("x"), r -> ResponseDecision.block("answer"));
        PluginRunner runner = runner(List.of(req, resp), entry("req", FailMode.CLOSED), after("resp", FailMode.CLOSED));
        assertEquals("plugin:req", ((RequestOutcome.Blocked) runner.onRequest(request())).by());
        PluginResponse answer = PluginResponse.buffered(request(), 200, Headers.empty(), "{}".getBytes(StandardCharsets.UTF_8));
        assertEquals("plugin:resp", ((ResponseOutcome.Blocked) runner.onResponse(answer)).by());
    }

    @Test
    void responseModifyOnBufferedAnswersAndIgnoredAfterStreams() {
        Scripted rewriter = new Scripted("rw", r -> RequestDecision.allow(), r -> {
            assertEquals("raw", r.body().json().orElseThrow().get("text").asText());
            return ResponseDecision.modify(Json.MAPPER.createObjectNode().put("text", "clean"))
                    .addHeader("x-filtered", "1").annotate("changed", "yes");
        });
        PluginRunner runner = runner(List.of(rewriter), after("rw", FailMode.CLOSED));
        byte[] raw = "{\"text\":\"raw\"}".getBytes(StandardCharsets.UTF_8);
        Headers headers = Headers.builder().add("content-type", "application/json").add("content-length", "14").build();

        ResponseOutcome.Proceed p = assertInstanceOf(ResponseOutcome.Proceed.class,
                runner.onResponse(PluginResponse.buffered(request(), 200, headers, raw)));
        assertEquals("{\"text\":\"clean\"}", text(p.edits().body()));
        Headers out = p.edits().applyTo(headers);
        assertEquals("1", out.firstOrNull("x-filtered"));
        assertFalse(out.contains("content-length"));
        assertEquals("yes", p.annotations().get("plugin.rw.changed"));

        StreamedOutcome s = runner.afterStream(PluginResponse.afterStream(request(), 200, headers, raw, false));
        assertTrue(s.cacheable());
        assertEquals("modify after stream", s.annotations().get("plugin.rw.ignored"));
        assertEquals("yes", s.annotations().get("plugin.rw.changed"));
        assertThrows(IllegalArgumentException.class,
                () -> runner.onResponse(PluginResponse.afterStream(request(), 200, headers, raw, false)));
    }

    @Test
    void pluginsRunBeforeHooks() throws Exception {
        try (HookServer server = new HookServer(); HookClient client = new HookClient()) {
            server.on("/sees-plugin-body", c -> new Object[]{200,
                    "gpt-4o-mini".equals(c.json().get("body").get("model").asText())
                            ? "{\"action\":\"allow\"}" : "{\"action\":\"block\",\"message\":\"saw the old body\"}"});
            Scripted rewrite = onRequest("rewrite", r -> RequestDecision.modify(
                    ((ObjectNode) r.body().json().orElseThrow()).put("model", "gpt-4o-mini")));
            PluginRunner runner = PluginRunner.create(List.of(entry("rewrite", FailMode.CLOSED)),
                    List.of(Fixtures.check("after", server.url("/sees-plugin-body"))),
                    PluginRegistry.of(List.of(rewrite)), client);
            assertInstanceOf(RequestOutcome.Proceed.class, runner.onRequest(request()));

            Scripted blocker = onRequest("blocker", r -> RequestDecision.block("stop"));
            PluginRunner blocked = PluginRunner.create(List.of(entry("blocker", FailMode.CLOSED)),
                    List.of(Fixtures.check("after", server.url("/sees-plugin-body"))),
                    PluginRegistry.of(List.of(blocker)), client);
            int before = server.calls.size();
            assertInstanceOf(RequestOutcome.Blocked.class, blocked.onRequest(request()));
            assertEquals(before, server.calls.size(), "a blocked request calls no hook");
        }
    }

    @Test
    void noneProceedsWithoutWork() {
        PluginRunner none = PluginRunner.none();
        assertFalse(none.runsOnRequest());
        RequestOutcome.Proceed p = assertInstanceOf(RequestOutcome.Proceed.class, none.onRequest(request()));
        assertNull(p.edits().body());
    }
}

package io.aigateway.plugin.headerguard;

import com.fasterxml.jackson.databind.JsonNode;
import io.aigateway.core.ErrorCode;
import io.aigateway.core.GatewayException;
import io.aigateway.core.Headers;
import io.aigateway.core.Json;
import io.aigateway.plugin.GatewayPlugin;
import io.aigateway.plugin.PluginBody;
import io.aigateway.plugin.PluginLoader;
import io.aigateway.plugin.PluginRegistry;
import io.aigateway.plugin.PluginRequest;
import io.aigateway.plugin.PluginRunner;
import io.aigateway.plugin.PluginSettings;
import io.aigateway.plugin.RequestDecision;
import io.aigateway.plugin.RequestEdits;
import io.aigateway.plugin.RequestOutcome;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HeaderGuardPluginTest {
    private static final HeaderGuardPlugin PLUGIN = new HeaderGuardPlugin();

    private static JsonNode json(String s) {
        try {
            return Json.MAPPER.readTree(s);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static GatewayPlugin.Configured configure(String config) {
        return PLUGIN.configure(json(config));
    }

    private static PluginRequest request(String body) {
        return new PluginRequest("gw", "openai", "gpt-4o", "POST", "/chat/completions",
                Headers.builder().add("content-type", "application/json").build(),
                PluginBody.of(body.getBytes(StandardCharsets.UTF_8), "application/json"), Map.of());
    }

    private static void refused(String config, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> configure(config), config);
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void refusesBadConfig() {
        refused("{}", "give add_headers, block_pattern or both");
        refused("{\"block_pattern\":\"(unclosed\"}", "block_pattern is not a valid regular expression");
        refused("{\"block_pattern\":\"\"}", "block_pattern must be");
        refused("{\"block_pattern\":\"" + "a".repeat(1001) + "\"}", "block_pattern must be");
        refused("{\"add_headers\":{\"bad name\":\"v\"}}", "add_headers");
        refused("{\"add_headers\":{\"x-a\":\"one\\r\\ntwo\"}}", "one-line");
        refused("{\"add_headers\":{\"host\":\"evil.example\"}}", "set by the gateway");
        refused("{\"add_headers\":{\"x-a\":1}}", "add_headers.x-a must be a string");
        refused("{\"add_headers\":[]}", "add_headers must be an object");
        refused("{\"block_pattern\":\"x\",\"max_scan_chars\":0}", "max_scan_chars");
        refused("{\"block_pattern\":\"x\",\"extra\":true}", "'extra' is not a header-guard field");
    }

    @Test
    void addsTheConfiguredHeaders() {
        RequestDecision d = configure("{\"add_headers\":{\"X-Team\":\"search\",\"x-env\":\"prod\"}}")
                .onRequest(request("{\"messages\":[]}"));
        RequestDecision.Modify m = assertInstanceOf(RequestDecision.Modify.class, d);
        assertEquals(Map.of("x-team", "search", "x-env", "prod"), m.setHeaders());
        assertEquals(null, m.body());
    }

    @Test
    void blocksPromptsMatchingThePatternInEveryProviderShape() {
        GatewayPlugin.Configured guard = configure(
                "{\"block_pattern\":\"(?i)project\\\\s+falcon\",\"add_headers\":{\"x-team\":\"search\"}}");
        List<String> bodies = List.of(
                "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"Tell me about Project Falcon\"}]}",
                "{\"model\":\"claude\",\"system\":\"project falcon is secret\",\"messages\":[]}",
                "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"PROJECT  FALCON\"}]}]}",
                "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"project falcon\"}]}]}",
                "{\"model\":\"gpt-3.5-turbo-instruct\",\"prompt\":[\"hi\",\"project falcon\"]}",
                "{\"model\":\"text-embedding-3-small\",\"input\":\"project falcon\"}");
        for (String body : bodies) {
            RequestDecision d = guard.onRequest(request(body));
            RequestDecision.Block b = assertInstanceOf(RequestDecision.Block.class, d, body);
            assertEquals("the prompt matches a blocked pattern", b.message());
            assertEquals("block_pattern", b.annotations().get("rule"));
        }
        // names and roles are not prompt text
        assertInstanceOf(RequestDecision.Modify.class,
                guard.onRequest(request("{\"model\":\"project-falcon\",\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}")));
    }

    @Test
    void scansOnlyTheFirstMaxScanChars() {
        GatewayPlugin.Configured guard = configure("{\"block_pattern\":\"needle\",\"max_scan_chars\":100}");
        String near = "{\"messages\":[{\"content\":\"" + "x".repeat(50) + " needle\"}]}";
        String far = "{\"messages\":[{\"content\":\"" + "x".repeat(200) + " needle\"}]}";
        assertInstanceOf(RequestDecision.Block.class, guard.onRequest(request(near)));
        assertInstanceOf(RequestDecision.Allow.class, guard.onRequest(request(far)));
    }

    @Test
    void aCatastrophicPatternFailsInsteadOfHanging() {
        GatewayPlugin.Configured guard = configure("{\"block_pattern\":\"(.*a){30}\"}");
        // about 2e8 steps (a second or more) unbounded, for 25 characters
        String evil = "{\"messages\":[{\"content\":\"" + "a".repeat(25) + "\"}]}";
        long start = System.nanoTime();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> guard.onRequest(request(evil)));
        assertTrue(e.getMessage().contains("too many steps"));
        assertTrue(System.nanoTime() - start < 5_000_000_000L, "the budget stops the match");
    }

    @Test
    void nonJsonBodiesAreScannedAsText() {
        GatewayPlugin.Configured guard = configure("{\"block_pattern\":\"secret\"}");
        PluginRequest plain = new PluginRequest("gw", "openai", null, "POST", "/x", Headers.empty(),
                PluginBody.of("a secret plan".getBytes(StandardCharsets.UTF_8), "text/plain"), Map.of());
        assertInstanceOf(RequestDecision.Block.class, guard.onRequest(plain));
    }

    @Test
    void isFoundByServiceLoaderAndRunsInTheGateway() {
        PluginRegistry registry = PluginLoader.fromClassPath(getClass().getClassLoader());
        assertInstanceOf(HeaderGuardPlugin.class, registry.find("header-guard").orElseThrow());

        List<PluginSettings> entries = PluginSettings.listFromJson(json(
                "[{\"name\":\"header-guard\",\"config\":{\"add_headers\":{\"x-team\":\"search\"},"
                        + "\"block_pattern\":\"(?i)falcon\",\"block_message\":\"code names stay inside\"}}]"), registry);
        PluginRunner runner = PluginRunner.create(entries, List.of(), registry, null);

        RequestOutcome ok = runner.onRequest(request("{\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}"));
        RequestEdits edits = assertInstanceOf(RequestOutcome.Proceed.class, ok).edits();
        assertEquals("search", edits.applyTo(Headers.empty()).firstOrNull("x-team"));

        RequestOutcome blocked = runner.onRequest(request("{\"messages\":[{\"role\":\"user\",\"content\":\"falcon?\"}]}"));
        RequestOutcome.Blocked b = assertInstanceOf(RequestOutcome.Blocked.class, blocked);
        assertEquals("Request blocked by plug-in 'header-guard': code names stay inside", b.clientMessage());
        assertEquals("block_pattern", b.annotations().get("plugin.header-guard.rule"));

        GatewayException bad = assertThrows(GatewayException.class, () -> PluginSettings.listFromJson(json(
                "[{\"name\":\"header-guard\",\"config\":{\"block_pattern\":\"(\"}}]"), registry));
        assertEquals(ErrorCode.BAD_REQUEST, bad.code());
        assertTrue(bad.getMessage().startsWith("Invalid setting 'plugins[0].config': block_pattern is not a valid"),
                bad.getMessage());
    }
}

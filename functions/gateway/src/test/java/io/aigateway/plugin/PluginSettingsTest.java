package io.aigateway.plugin;

import com.fasterxml.jackson.databind.JsonNode;
import io.aigateway.core.ErrorCode;
import io.aigateway.core.GatewayException;
import io.aigateway.core.Json;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The {@code plugins} and {@code hooks} settings: defaults, round trips, and a 400 naming each bad field. */
class PluginSettingsTest {
    private static final PluginRegistry REGISTRY = PluginRegistry.of(List.of(new Strict()));

    /** Accepts only {"level": <number>}. */
    static final class Strict implements GatewayPlugin {
        @Override
        public String name() {
            return "strict";
        }

        @Override
        public Configured configure(JsonNode config) {
            if (!config.isEmpty() && !config.path("level").isNumber()) {
                throw new IllegalArgumentException("level must be a number");
            }
            return new Configured() {
            };
        }
    }

    private static JsonNode json(String s) {
        try {
            return Json.MAPPER.readTree(s);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void badPlugins(String json, String expected) {
        GatewayException e = assertThrows(GatewayException.class,
                () -> PluginSettings.listFromJson(json(json), REGISTRY), json);
        assertEquals(ErrorCode.BAD_REQUEST, e.code());
        assertTrue(e.getMessage().startsWith("Invalid setting '" + expected + "'"), e.getMessage());
    }

    private static void badHooks(String json, String expected) {
        GatewayException e = assertThrows(GatewayException.class, () -> HookSettings.listFromJson(json(json)), json);
        assertEquals(ErrorCode.BAD_REQUEST, e.code());
        assertTrue(e.getMessage().startsWith("Invalid setting '" + expected + "'"), e.getMessage());
    }

    @Test
    void pluginEntriesTakeDefaultsAndRoundTrip() {
        List<PluginSettings> parsed = PluginSettings.listFromJson(
                json("[{\"name\":\"strict\"},{\"name\":\"strict\",\"config\":{\"level\":2},\"at\":\"after_response\",\"fail\":\"open\"}]"),
                REGISTRY);
        assertEquals(new PluginSettings("strict", null, PluginPoint.BEFORE_CACHE, FailMode.CLOSED).toJson(),
                parsed.get(0).toJson());
        assertEquals(PluginPoint.AFTER_RESPONSE, parsed.get(1).at());
        assertEquals(FailMode.OPEN, parsed.get(1).fail());
        assertEquals(2, parsed.get(1).config().get("level").asInt());
        assertEquals(parsed, PluginSettings.listFromJson(PluginSettings.toJson(parsed), REGISTRY));
        assertEquals(List.of(), PluginSettings.listFromJson(null, REGISTRY));
    }

    @Test
    void badPluginEntriesNameTheField() {
        badPlugins("{}", "plugins");
        badPlugins("[" + "{\"name\":\"strict\"},".repeat(10) + "{\"name\":\"strict\"}]", "plugins");
        badPlugins("[7]", "plugins[0]");
        badPlugins("[{\"config\":{}}]", "plugins[0].name");
        badPlugins("[{\"name\":\"strict\"},{\"name\":\"absent\"}]", "plugins[1].name");
        badPlugins("[{\"name\":\"strict\",\"config\":[1]}]", "plugins[0].config");
        badPlugins("[{\"name\":\"strict\",\"config\":{\"level\":\"high\"}}]", "plugins[0].config");
        badPlugins("[{\"name\":\"strict\",\"config\":{\"level\":1,\"pad\":\"" + "x".repeat(17_000) + "\"}}]",
                "plugins[0].config");
        badPlugins("[{\"name\":\"strict\",\"at\":\"after_cache\"}]", "plugins[0].at");
        badPlugins("[{\"name\":\"strict\",\"fail\":\"sometimes\"}]", "plugins[0].fail");
        badPlugins("[{\"name\":\"strict\",\"fail\":true}]", "plugins[0].fail");
        badPlugins("[{\"name\":\"strict\",\"when\":\"always\"}]", "plugins[0].when");
    }

    @Test
    void thePluginsOwnMessageIsQuoted() {
        GatewayException e = assertThrows(GatewayException.class, () -> PluginSettings.listFromJson(
                json("[{\"name\":\"strict\",\"config\":{\"level\":\"high\"}}]"), REGISTRY));
        assertEquals("Invalid setting 'plugins[0].config': level must be a number.", e.getMessage());
        GatewayException none = assertThrows(GatewayException.class, () -> PluginSettings.listFromJson(
                json("[{\"name\":\"x\"}]"), PluginRegistry.empty()));
        assertTrue(none.getMessage().contains("none are loaded"), none.getMessage());
    }

    @Test
    void hooksTakeDefaultsAndRoundTrip() {
        List<HookSettings> hooks = HookSettings.listFromJson(json("[{\"id\":\"mod\",\"url\":\"https://hooks.example.com/check?v=1\"},"
                + "{\"id\":\"rw\",\"url\":\"http://10.0.0.5:8080/rewrite\",\"on\":\"both\",\"timeout_ms\":10000,"
                + "\"fail\":\"open\",\"headers\":{\"Authorization\":\"Bearer hook-secret\"},\"mode\":\"modify\"}]"));
        HookSettings first = hooks.get(0);
        assertEquals(HookPhase.REQUEST, first.on());
        assertEquals(HookSettings.DEFAULT_TIMEOUT_MS, first.timeoutMs());
        assertEquals(FailMode.CLOSED, first.fail());
        assertEquals(HookMode.CHECK, first.mode());
        assertEquals(Map.of(), first.headers());
        HookSettings second = hooks.get(1);
        assertEquals(Map.of("authorization", "Bearer hook-secret"), second.headers());
        assertEquals(hooks, HookSettings.listFromJson(HookSettings.toJson(hooks)));
        assertEquals("[REDACTED]", second.toPublicJson().get("headers").get("authorization").asText());
        assertEquals("Bearer hook-secret", second.toJson().get("headers").get("authorization").asText());
    }

    @Test
    void badHooksNameTheField() {
        String ok = "\"url\":\"https://h.example.com/x\"";
        badHooks("{\"id\":\"a\"}", "hooks");
        StringBuilder eleven = new StringBuilder("[");
        for (int i = 0; i <= 10; i++) {
            eleven.append(i == 0 ? "" : ",").append("{\"id\":\"h").append(i).append("\",").append(ok).append('}');
        }
        badHooks(eleven + "]", "hooks");
        badHooks("[\"https://h.example.com\"]", "hooks[0]");
        badHooks("[{" + ok + "}]", "hooks[0].id");
        badHooks("[{\"id\":\"has space\"," + ok + "}]", "hooks[0].id");
        badHooks("[{\"id\":\"a\"," + ok + "},{\"id\":\"a\"," + ok + "}]", "hooks[1].id");
        badHooks("[{\"id\":\"a\"}]", "hooks[0].url");
        badHooks("[{\"id\":\"a\",\"url\":\"ftp://h.example.com/x\"}]", "hooks[0].url");
        badHooks("[{\"id\":\"a\",\"url\":\"file:///etc/passwd\"}]", "hooks[0].url");
        badHooks("[{\"id\":\"a\",\"url\":\"https://user:pw@h.example.com/x\"}]", "hooks[0].url");
        badHooks("[{\"id\":\"a\",\"url\":\"https:///nohost\"}]", "hooks[0].url");
        badHooks("[{\"id\":\"a\",\"url\":\"https://h.example.com/a b\"}]", "hooks[0].url");
        badHooks("[{\"id\":\"a\"," + ok + ",\"on\":\"sometimes\"}]", "hooks[0].on");
        badHooks("[{\"id\":\"a\"," + ok + ",\"timeout_ms\":0}]", "hooks[0].timeout_ms");
        badHooks("[{\"id\":\"a\"," + ok + ",\"timeout_ms\":10001}]", "hooks[0].timeout_ms");
        badHooks("[{\"id\":\"a\"," + ok + ",\"timeout_ms\":\"500\"}]", "hooks[0].timeout_ms");
        badHooks("[{\"id\":\"a\"," + ok + ",\"timeout_ms\":1.5}]", "hooks[0].timeout_ms");
        badHooks("[{\"id\":\"a\"," + ok + ",\"fail\":\"never\"}]", "hooks[0].fail");
        badHooks("[{\"id\":\"a\"," + ok + ",\"mode\":\"rewrite\"}]", "hooks[0].mode");
        badHooks("[{\"id\":\"a\"," + ok + ",\"headers\":[\"x\"]}]", "hooks[0].headers");
        badHooks("[{\"id\":\"a\"," + ok + ",\"headers\":{\"x-a\":\"one\\r\\nx-b: two\"}}]", "hooks[0].headers.x-a");
        badHooks("[{\"id\":\"a\"," + ok + ",\"headers\":{\"x-a\":\"nul\\u0000\"}}]", "hooks[0].headers.x-a");
        badHooks("[{\"id\":\"a\"," + ok + ",\"headers\":{\"bad name\":\"v\"}}]", "hooks[0].headers.bad name");
        badHooks("[{\"id\":\"a\"," + ok + ",\"headers\":{\"content-length\":\"5\"}}]", "hooks[0].headers.content-length");
        badHooks("[{\"id\":\"a\"," + ok + ",\"headers\":{\"x-a\":5}}]", "hooks[0].headers.x-a");
        badHooks("[{\"id\":\"a\"," + ok + ",\"headers\":{\"X-A\":\"1\",\"x-a\":\"2\"}}]", "hooks[0].headers.x-a");
        badHooks("[{\"id\":\"a\"," + ok + ",\"retries\":3}]", "hooks[0].retries");
    }

    @Test
    void theStoredFormIsReadWithoutTheLoadedPlugins() {
        JsonNode stored = json("[{\"name\":\"removed-layer\",\"config\":{\"anything\":1},\"fail\":\"open\"}]");
        List<PluginSettings> read = PluginSettings.listFromStored(stored);
        assertEquals("removed-layer", read.get(0).name());
        assertEquals(FailMode.OPEN, read.get(0).fail());
        assertThrows(GatewayException.class, () -> PluginSettings.listFromJson(stored, REGISTRY));
        assertThrows(GatewayException.class, () -> PluginSettings.listFromStored(json("[{\"name\":1}]")));
    }

    @Test
    void runnersAreBuiltOncePerDistinctSettings() throws Exception {
        int[] configured = {0};
        GatewayPlugin counting = new GatewayPlugin() {
            @Override
            public String name() {
                return "counting";
            }

            @Override
            public Configured configure(JsonNode config) {
                configured[0]++;
                return new Configured() {
                };
            }
        };
        try (PluginRunners runners = new PluginRunners(PluginRegistry.of(List.of(counting)), new HookClient())) {
            List<PluginSettings> a = PluginSettings.listFromStored(json("[{\"name\":\"counting\",\"config\":{\"v\":1}}]"));
            List<PluginSettings> sameAsA = PluginSettings.listFromStored(json("[{\"name\":\"counting\",\"config\":{\"v\":1}}]"));
            List<PluginSettings> b = PluginSettings.listFromStored(json("[{\"name\":\"counting\",\"config\":{\"v\":2}}]"));
            PluginRunner first = runners.runner(a, List.of());
            assertEquals(first, runners.runner(sameAsA, List.of()));
            assertEquals(1, configured[0]);
            assertTrue(first != runners.runner(b, List.of()));
            assertEquals(2, configured[0]);
            assertEquals(PluginRunner.none(), runners.runner(List.of(), List.of()));
        }
    }
}

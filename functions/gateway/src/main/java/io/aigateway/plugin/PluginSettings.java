package io.aigateway.plugin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aigateway.core.Json;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;

import static io.aigateway.plugin.SettingsFields.absent;
import static io.aigateway.plugin.SettingsFields.bad;
import static io.aigateway.plugin.SettingsFields.text;

/**
 * One entry of a gateway's {@code plugins} setting:
 * {@code {"name": "header-guard", "config": {...}, "at": "before_cache", "fail": "closed"}}.
 *
 * @param name   a plug-in loaded in this process
 * @param config the plug-in's own config (a JSON object; empty when absent), validated by the plug-in
 * @param at     where it runs (default {@code before_cache}): the request phase or the answer phase
 * @param fail   what an exception inside it means (default {@code closed}: the request is refused)
 */
public record PluginSettings(String name, JsonNode config, PluginPoint at, FailMode fail) {
    public static final String FIELD = "plugins";
    public static final int MAX_ENTRIES = 10;
    /** Serialised config size: settings are one stored item and travel to every process. */
    public static final int MAX_CONFIG_BYTES = 16 * 1024;
    private static final java.util.Set<String> FIELDS = new LinkedHashSet<>(List.of("name", "config", "at", "fail"));

    public PluginSettings {
        Objects.requireNonNull(name, "name");
        config = config == null || config.isNull() ? Json.MAPPER.createObjectNode() : config.deepCopy();
        at = at == null ? PluginPoint.BEFORE_CACHE : at;
        fail = fail == null ? FailMode.CLOSED : fail;
    }

    /** The config, as a copy the caller may change. */
    @Override
    public JsonNode config() {
        return config.deepCopy();
    }

    /**
     * Reads and validates the {@code plugins} setting: at most {@value #MAX_ENTRIES} entries, each naming a plug-in
     * of {@code registry}, whose config that plug-in accepts. A bad field is a 400 naming it
     * ({@code plugins[1].config: <the plug-in's message>}).
     */
    public static List<PluginSettings> listFromJson(JsonNode v, PluginRegistry registry) {
        if (absent(v)) {
            return List.of();
        }
        if (!v.isArray() || v.size() > MAX_ENTRIES) {
            throw bad(FIELD, "must be a list of at most " + MAX_ENTRIES
                    + " entries such as {\"name\": \"header-guard\", \"config\": {}}");
        }
        List<PluginSettings> out = new ArrayList<>(v.size());
        for (int i = 0; i < v.size(); i++) {
            out.add(fromJson(FIELD + "[" + i + "]", v.get(i), registry));
        }
        return List.copyOf(out);
    }

    /**
     * Reads the stored form: the shape is checked, but neither the names nor the configs, so a process where a
     * plug-in is missing (its layer removed) still reads the gateway's settings; such an entry then fails at run
     * time as its {@code fail} says ({@link PluginRunner#create}).
     */
    public static List<PluginSettings> listFromStored(JsonNode v) {
        if (absent(v)) {
            return List.of();
        }
        if (!v.isArray() || v.size() > MAX_ENTRIES) {
            throw bad(FIELD, "must be a list of at most " + MAX_ENTRIES + " entries");
        }
        List<PluginSettings> out = new ArrayList<>(v.size());
        for (int i = 0; i < v.size(); i++) {
            out.add(fromJson(FIELD + "[" + i + "]", v.get(i), null));
        }
        return List.copyOf(out);
    }

    /** @param registry null: shape only (the stored form) */
    static PluginSettings fromJson(String field, JsonNode e, PluginRegistry registry) {
        if (e == null || !e.isObject()) {
            throw bad(field, "must be an object {\"name\", \"config\", \"at\", \"fail\"}");
        }
        SettingsFields.onlyFields(field, e, FIELDS);
        String name = text(field + ".name", e.get("name"));
        if (registry != null && registry.find(name).isEmpty()) {
            throw bad(field + ".name", "'" + io.aigateway.core.Headers.printable(name) + "' is not a plug-in loaded here"
                    + (registry.names().isEmpty() ? " (none are loaded)" : " (loaded: " + String.join(", ", registry.names()) + ")"));
        }
        JsonNode config = e.get("config");
        if (absent(config)) {
            config = Json.MAPPER.createObjectNode();
        } else if (!config.isObject()) {
            throw bad(field + ".config", "must be a JSON object");
        } else if (config.toString().getBytes(StandardCharsets.UTF_8).length > MAX_CONFIG_BYTES) {
            throw bad(field + ".config", "must be at most " + MAX_CONFIG_BYTES + " bytes of JSON");
        }
        PluginPoint at = absent(e.get("at")) ? PluginPoint.BEFORE_CACHE
                : PluginPoint.parse(text(field + ".at", e.get("at")))
                        .orElseThrow(() -> bad(field + ".at", "must be before_cache or after_response"));
        FailMode fail = absent(e.get("fail")) ? FailMode.CLOSED
                : FailMode.parse(text(field + ".fail", e.get("fail")))
                        .orElseThrow(() -> bad(field + ".fail", "must be open or closed"));
        if (registry == null) {
            return new PluginSettings(name, config, at, fail);
        }
        try {
            registry.configure(name, config);
        } catch (IllegalArgumentException ex) {
            throw bad(field + ".config", Annotations.value(String.valueOf(ex.getMessage())));
        } catch (RuntimeException ex) {
            // a plug-in bug, not the user's: say so without its internals
            throw bad(field + ".config", "plug-in '" + name + "' could not read it (" + ex.getClass().getSimpleName() + ")");
        }
        return new PluginSettings(name, config, at, fail);
    }

    public ObjectNode toJson() {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("name", name);
        o.set("config", config.deepCopy());
        o.put("at", at.label());
        o.put("fail", fail.label());
        return o;
    }

    public static ArrayNode toJson(List<PluginSettings> entries) {
        ArrayNode a = Json.MAPPER.createArrayNode();
        entries.forEach(p -> a.add(p.toJson()));
        return a;
    }
}

package io.aigateway.plugin;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.Closeable;
import java.io.IOException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The plug-ins loaded in this process, by name. Built once at start-up ({@link PluginLoader}); names are checked
 * and unique, so a gateway's settings can refer to them.
 */
public final class PluginRegistry implements Closeable {
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,63}");

    private final Map<String, GatewayPlugin> plugins;
    private final Map<String, String> origins;
    private final Closeable loader;

    private PluginRegistry(Map<String, GatewayPlugin> plugins, Map<String, String> origins, Closeable loader) {
        this.plugins = plugins;
        this.origins = origins;
        this.loader = loader;
    }

    public static PluginRegistry empty() {
        return new PluginRegistry(Map.of(), Map.of(), null);
    }

    /** Plug-ins given directly (tests, embedding). */
    public static PluginRegistry of(List<GatewayPlugin> plugins) {
        return build(plugins, p -> p.getClass().getName(), null);
    }

    interface Origin {
        String of(GatewayPlugin plugin);
    }

    /**
     * @throws IllegalStateException when a name is invalid or two plug-ins share one: a start-up error naming both
     */
    static PluginRegistry build(List<GatewayPlugin> found, Origin origin, Closeable loader) {
        Map<String, GatewayPlugin> byName = new LinkedHashMap<>();
        Map<String, String> origins = new LinkedHashMap<>();
        for (GatewayPlugin plugin : found) {
            String name = plugin.name();
            String where = origin.of(plugin);
            if (name == null || !NAME.matcher(name).matches()) {
                throw new IllegalStateException("Plug-in " + where + " has an invalid name '" + name
                        + "': use 1 to 64 of a-z 0-9 _ -, starting with a letter or digit.");
            }
            if (byName.containsKey(name)) {
                throw new IllegalStateException("Two plug-ins are named '" + name + "': " + origins.get(name)
                        + " and " + where + ". Remove one of the jars or rename one plug-in.");
            }
            byName.put(name, plugin);
            origins.put(name, where);
        }
        return new PluginRegistry(Collections.unmodifiableMap(byName), Collections.unmodifiableMap(origins), loader);
    }

    public Optional<GatewayPlugin> find(String name) {
        return Optional.ofNullable(plugins.get(name));
    }

    /** Names in load order. */
    public Set<String> names() {
        return plugins.keySet();
    }

    /** Where a plug-in came from (its class, and jar when loaded from a directory), for start-up logs. */
    public String origin(String name) {
        return origins.get(name);
    }

    /**
     * The plug-in's configured instance for {@code config}.
     *
     * @throws IllegalArgumentException when the plug-in is not loaded or refuses the config
     */
    public GatewayPlugin.Configured configure(String name, JsonNode config) {
        GatewayPlugin plugin = find(name).orElseThrow(
                () -> new IllegalArgumentException("plug-in '" + name + "' is not loaded"));
        GatewayPlugin.Configured configured = plugin.configure(config);
        return Objects.requireNonNull(configured, () -> "plug-in '" + name + "' returned no configured instance");
    }

    @Override
    public void close() throws IOException {
        if (loader != null) {
            loader.close();
        }
    }
}

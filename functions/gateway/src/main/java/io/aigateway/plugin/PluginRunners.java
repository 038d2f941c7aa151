package io.aigateway.plugin;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The process's plug-in runtime: the loaded plug-ins, the hook client, and one {@link PluginRunner} per distinct
 * {@code plugins}/{@code hooks} settings, so each plug-in is configured once per settings version rather than per
 * request. Settings records compare by value, so gateways with equal settings share a runner, and a changed setting
 * gets a new one. Bounded (least recently used out), since settings versions come and go.
 */
public final class PluginRunners implements AutoCloseable {
    static final int MAX_RUNNERS = 256;

    private final PluginRegistry registry;
    private final HookClient hooks;
    private final java.util.concurrent.locks.ReentrantLock lock = new java.util.concurrent.locks.ReentrantLock();
    private final Map<List<Object>, PluginRunner> runners = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<List<Object>, PluginRunner> eldest) {
            return size() > MAX_RUNNERS;
        }
    };

    public PluginRunners(PluginRegistry registry, HookClient hooks) {
        this.registry = registry;
        this.hooks = hooks;
    }

    public PluginRegistry registry() {
        return registry;
    }

    /** The runner for these settings (configuring the plug-ins on first use). */
    public PluginRunner runner(List<PluginSettings> plugins, List<HookSettings> hookSettings) {
        if (plugins.isEmpty() && hookSettings.isEmpty()) {
            return PluginRunner.none();
        }
        List<Object> key = List.of(plugins, hookSettings);
        // a lock, not synchronized: on Java 21 a virtual thread inside synchronized pins its carrier
        lock.lock();
        try {
            PluginRunner runner = runners.get(key);
            if (runner == null) {
                runner = PluginRunner.create(plugins, hookSettings, registry, hooks);
                runners.put(key, runner);
            }
            return runner;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() throws java.io.IOException {
        hooks.close();
        registry.close();
    }
}

package io.aigateway.config;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Settings as a request sees them: served from memory, refreshed in the background once older than the refresh
 * interval (stale-while-revalidate), so an instance sees a change within a few seconds and a warm request never
 * waits for the store. Only the first request for a gateway on a fresh instance reads the store inline; if the
 * store fails then, the defaults apply (fail open) and the failure is reported to the caller.
 */
public final class SettingsCache {
    private static final Logger LOG = LoggerFactory.getLogger(SettingsCache.class);

    private record Entry(GatewaySettings settings, long loadedAt, AtomicBoolean refreshing) {
    }

    /** A lookup's result: the settings, and whether the store failed while looking. */
    public record Lookup(GatewaySettings settings, boolean storeError) {
    }

    private final SettingsStore store;
    private final GatewayConfig config;
    private final ExecutorService background;
    private final long refreshNanos;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();

    public SettingsCache(SettingsStore store, GatewayConfig config, ExecutorService background, long refreshMillis) {
        this.store = store;
        this.config = config;
        this.background = background;
        this.refreshNanos = refreshMillis * 1_000_000;
    }

    public Lookup get(String gatewayId) {
        Entry entry = entries.get(gatewayId);
        long now = System.nanoTime();
        if (entry == null) {
            try {
                return new Lookup(load(gatewayId, now).settings(), false);
            } catch (RuntimeException e) {
                LOG.warn("settings of gateway {} unreadable, using defaults: {}", gatewayId, e.getClass().getSimpleName());
                return new Lookup(config.defaultsFor(gatewayId), true);
            }
        }
        if (now - entry.loadedAt() > refreshNanos && entry.refreshing().compareAndSet(false, true)) {
            background.execute(() -> {
                try {
                    load(gatewayId, System.nanoTime());
                } catch (RuntimeException e) {
                    entry.refreshing().set(false); // try again on a later request
                }
            });
        }
        return new Lookup(entry.settings(), false);
    }

    /** After a change through this instance's admin API: visible here at once. */
    public void invalidate(String gatewayId) {
        entries.remove(gatewayId);
    }

    private Entry load(String gatewayId, long now) {
        Optional<GatewaySettings> stored = store.get(gatewayId);
        Entry fresh = new Entry(stored.orElseGet(() -> config.defaultsFor(gatewayId)), now, new AtomicBoolean());
        entries.put(gatewayId, fresh);
        return fresh;
    }
}

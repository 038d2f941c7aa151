package io.aigateway.config;

import io.aigateway.core.ErrorCode;
import io.aigateway.core.GatewayException;
import io.aigateway.core.Headers;
import io.aigateway.core.Json;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Settings as a request sees them: served from memory, refreshed in the background once older than the refresh
 * interval (stale-while-revalidate), so an instance sees a change within a few seconds and a warm request never
 * waits for the store. Only the first request for a gateway on an instance reads the store inline.
 *
 * <h2>Never fail open</h2>
 * A gateway runs on its last known settings: a failed background refresh keeps them (and the next request counts
 * one store error). With none known (the first read failed), the request is refused with 503, code 2040; the
 * defaults are never used in their place, since they would turn authentication and rate limits off. SnapStart
 * priming runs on a separate instance (see Priming), so a restored snapshot knows no gateway.
 *
 * <h2>Bounded</h2>
 * Gateway ids come from clients, so memory and store reads are bounded whatever they send: configured gateways
 * (settings stored) and unconfigured ids are kept apart, each in an LRU bounded by size and idle age, so random ids
 * never push a configured gateway out; reads for ids not in memory draw on a {@link LookupBudget} (concurrent
 * first lookups of one id share one read), and once it is spent such a request gets 503 (2040) without a read.
 *
 * <h2>Configured gateways only</h2>
 * With {@code GATEWAY_REQUIRE_CONFIG=true} an id without stored settings gets 404 (code 2013), except
 * {@value #DEFAULT_GATEWAY}, which is stored with the defaults on first use (a conditional write that never
 * overwrites an admin's settings), so a deployed stack serves it from the start.
 */
public final class SettingsCache {
    private static final Logger LOG = LoggerFactory.getLogger(SettingsCache.class);
    /** The gateway that exists on every deployment, even with GATEWAY_REQUIRE_CONFIG=true. */
    public static final String DEFAULT_GATEWAY = "default";
    private static final long WARN_EVERY_NANOS = TimeUnit.SECONDS.toNanos(10);

    /**
     * Bounds of the in-memory settings.
     *
     * @param maxConfigured    gateways with stored settings kept in memory
     * @param maxUnconfigured  ids known to have no stored settings kept in memory (client-chosen: kept small)
     * @param idleNanos        an entry nobody asked for this long leaves memory
     * @param lookupsPerSecond store reads per second for ids not in memory (and refreshes of unconfigured ids)
     * @param lookupBurst      ... and at most this many at once
     */
    public record Limits(int maxConfigured, int maxUnconfigured, long idleNanos, double lookupsPerSecond,
                         int lookupBurst) {
        public static Limits standard() {
            return new Limits(10_000, 4_096, TimeUnit.HOURS.toNanos(1), 20, 100);
        }
    }

    /** A lookup's result: the settings, and whether the store failed while looking. */
    public record Lookup(GatewaySettings settings, boolean storeError) {
    }

    /** One gateway as last read: {@code stored} is null when it has no stored settings. */
    private static final class Entry {
        final GatewaySettings stored;
        final long loadedAt;
        final AtomicBoolean refreshing = new AtomicBoolean();
        /** A background refresh failed: the next request counts it as a store error, once. */
        final AtomicBoolean refreshFailed = new AtomicBoolean();

        Entry(GatewaySettings stored, long loadedAt) {
            this.stored = stored;
            this.loadedAt = loadedAt;
        }
    }

    private final SettingsStore store;
    private final GatewayConfig config;
    private final ExecutorService background;
    private final long refreshNanos;
    private final boolean requireConfig;
    private final LongSupplier nanoClock;
    private final ExpiringLru<String, Entry> configured;
    private final ExpiringLru<String, Entry> unconfigured;
    private final LookupBudget budget;
    private final Map<String, CompletableFuture<Entry>> inflight = new ConcurrentHashMap<>();
    /** Bumped by every invalidation: a read that started before one is used once but not kept. */
    private final AtomicLong generation = new AtomicLong();
    private final AtomicLong lastWarn = new AtomicLong(System.nanoTime() - WARN_EVERY_NANOS);

    public SettingsCache(SettingsStore store, GatewayConfig config, ExecutorService background, long refreshMillis) {
        this(store, config, background, refreshMillis, Limits.standard(), System::nanoTime);
    }

    public SettingsCache(SettingsStore store, GatewayConfig config, ExecutorService background, long refreshMillis,
                         Limits limits, LongSupplier nanoClock) {
        this.store = store;
        this.config = config;
        this.background = background;
        this.refreshNanos = refreshMillis * 1_000_000;
        this.requireConfig = config.requireConfig();
        this.nanoClock = nanoClock;
        this.configured = new ExpiringLru<>(limits.maxConfigured(), limits.idleNanos(), true, nanoClock);
        this.unconfigured = new ExpiringLru<>(limits.maxUnconfigured(), limits.idleNanos(), true, nanoClock);
        this.budget = new LookupBudget(limits.lookupsPerSecond(), limits.lookupBurst(), nanoClock);
    }

    /**
     * The settings a request of {@code gatewayId} runs on.
     *
     * @throws GatewayException 503 (2040) when none are known and they cannot be read now; 404 (2013) for an
     *                          unconfigured gateway when GATEWAY_REQUIRE_CONFIG is true
     */
    public Lookup get(String gatewayId) {
        Entry entry = cached(gatewayId);
        if (entry == null) {
            entry = firstLookup(gatewayId);
        } else {
            refreshIfStale(gatewayId, entry);
        }
        boolean storeError = entry.refreshFailed.compareAndSet(true, false);
        if (entry.stored != null) {
            return new Lookup(entry.stored, storeError);
        }
        if (requireConfig) {
            throw new GatewayException(ErrorCode.GATEWAY_NOT_FOUND, "Gateway '" + gatewayId + "' is not configured. "
                    + "This deployment serves only configured gateways (RequireGatewayConfig, GATEWAY_REQUIRE_CONFIG): "
                    + "create it with PUT /api/v1/gateways/" + gatewayId + ".");
        }
        return new Lookup(config.defaultsFor(gatewayId), storeError);
    }

    /** After a change through this instance's admin API: visible here at once. */
    public void invalidate(String gatewayId) {
        synchronized (this) {
            generation.incrementAndGet();
            configured.remove(gatewayId);
            unconfigured.remove(gatewayId);
        }
    }

    /** Forgets every gateway (after a SnapStart restore, say): the next request of each reads the store again. */
    public void forgetAll() {
        synchronized (this) {
            generation.incrementAndGet();
            configured.clear();
            unconfigured.clear();
        }
    }

    /** Gateways held in memory, configured or not (tests: the bound holds). */
    int cachedEntries() {
        return configured.size() + unconfigured.size();
    }

    private Entry cached(String gatewayId) {
        Entry e = configured.get(gatewayId);
        return e != null ? e : unconfigured.get(gatewayId);
    }

    /** Nothing in memory: one read, shared by concurrent requests of the same id, within the lookup budget. */
    private Entry firstLookup(String gatewayId) {
        CompletableFuture<Entry> mine = new CompletableFuture<>();
        CompletableFuture<Entry> running = inflight.putIfAbsent(gatewayId, mine);
        if (running != null) {
            return await(gatewayId, running);
        }
        try {
            Entry entry = cached(gatewayId); // loaded by a lookup that ended just now
            if (entry == null) {
                if (!budget.tryAcquire()) {
                    throw unavailable(gatewayId, "this instance is reading the settings of too many gateways it has "
                            + "not seen before");
                }
                entry = load(gatewayId, true);
            }
            mine.complete(entry);
            return entry;
        } catch (RuntimeException e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            inflight.remove(gatewayId, mine);
        }
    }

    private Entry await(String gatewayId, CompletableFuture<Entry> running) {
        try {
            return running.get();
        } catch (ExecutionException | CompletionException e) {
            if (e.getCause() instanceof GatewayException g) {
                throw g;
            }
            throw unavailable(gatewayId, "its settings could not be read");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unavailable(gatewayId, "its settings could not be read");
        }
    }

    private void refreshIfStale(String gatewayId, Entry entry) {
        if (nanoClock.getAsLong() - entry.loadedAt <= refreshNanos || !entry.refreshing.compareAndSet(false, true)) {
            return;
        }
        // Refreshing a configured gateway costs one read per refresh interval, bounded by what admins configured;
        // an unconfigured id is client-chosen, so its refreshes draw on the budget (else it is served as it was).
        if (entry.stored == null && !budget.tryAcquire()) {
            entry.refreshing.set(false);
            return;
        }
        try {
            background.execute(() -> {
                try {
                    load(gatewayId, false);
                } catch (RuntimeException e) {
                    entry.refreshFailed.set(true); // last known settings stay in use
                } finally {
                    entry.refreshing.set(false);
                }
            });
        } catch (RejectedExecutionException shuttingDown) {
            entry.refreshing.set(false);
        }
    }

    /** Reads the store and keeps the result (unless an invalidation happened meanwhile). */
    private Entry load(String gatewayId, boolean inline) {
        long gen = generation.get();
        Optional<GatewaySettings> read;
        try {
            read = store.get(gatewayId);
        } catch (RuntimeException e) {
            if (inline) {
                warn("settings of gateway {} unreadable and none known, refusing its requests: {}", gatewayId, e);
            }
            throw unavailable(gatewayId, "its settings could not be read");
        }
        GatewaySettings stored = read.orElse(null);
        if (stored == null && requireConfig && DEFAULT_GATEWAY.equals(gatewayId)) {
            stored = createDefault();
        }
        Entry entry = new Entry(stored, nanoClock.getAsLong());
        synchronized (this) {
            if (generation.get() == gen) {
                if (stored != null) {
                    configured.put(gatewayId, entry);
                    unconfigured.remove(gatewayId);
                } else {
                    unconfigured.put(gatewayId, entry);
                    configured.remove(gatewayId);
                }
            }
        }
        return entry;
    }

    /** The {@code default} gateway on a deployment that serves configured gateways only: stored on first use. */
    private GatewaySettings createDefault() {
        GatewaySettings defaults = config.defaultsFor(DEFAULT_GATEWAY)
                .merge(Json.MAPPER.createObjectNode(), System.currentTimeMillis());
        try {
            if (store.putIfAbsent(defaults)) {
                LOG.info("gateway {} created with the default settings", DEFAULT_GATEWAY);
                return defaults;
            }
            return store.get(DEFAULT_GATEWAY).orElse(defaults); // an admin stored it meanwhile
        } catch (RuntimeException e) {
            // The read said nothing is stored, so the defaults are its settings; storing them is retried on refresh.
            warn("gateway {} could not be stored yet: {}", DEFAULT_GATEWAY, e);
            return defaults;
        }
    }

    private static GatewayException unavailable(String gatewayId, String why) {
        return new GatewayException(ErrorCode.SETTINGS_UNAVAILABLE, "Gateway '" + gatewayId + "' is unavailable: "
                + why + " and none are known on this instance yet. Requests are refused rather than served without "
                + "its authentication and limits; retry in a moment.",
                Headers.builder().add("Retry-After", "1").build(), null);
    }

    private void warn(String message, String gatewayId, RuntimeException e) {
        long now = System.nanoTime();
        long last = lastWarn.get();
        if (now - last >= WARN_EVERY_NANOS && lastWarn.compareAndSet(last, now)) {
            LOG.warn(message, gatewayId, e.toString());
        }
    }
}

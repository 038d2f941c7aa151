package io.aigateway.config;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * A map bounded by size and by age, for anything keyed by what a client sends (gateway ids, token ids): at most
 * {@code maxEntries} entries, the least recently used leaving first, and none older than {@code maxAgeNanos}.
 * Age counts from the last write ({@code refreshOnRead == false}: a fixed time to live) or from the last use
 * ({@code refreshOnRead == true}: entries nobody asks for leave). One lock; every operation is a few map steps.
 */
public final class ExpiringLru<K, V> {
    /** Expired entries removed from the old end on each write, so age bounds memory even without reads. */
    private static final int PURGE_PER_WRITE = 8;

    private static final class Slot<V> {
        final V value;
        long stamp;

        Slot(V value, long stamp) {
            this.value = value;
            this.stamp = stamp;
        }
    }

    private final int maxEntries;
    private final long maxAgeNanos;
    private final boolean refreshOnRead;
    private final LongSupplier nanoClock;
    private final LinkedHashMap<K, Slot<V>> map;

    public ExpiringLru(int maxEntries, long maxAgeNanos, boolean refreshOnRead, LongSupplier nanoClock) {
        if (maxEntries < 1 || maxAgeNanos < 1) {
            throw new IllegalArgumentException("maxEntries and maxAgeNanos must be positive");
        }
        this.maxEntries = maxEntries;
        this.maxAgeNanos = maxAgeNanos;
        this.refreshOnRead = refreshOnRead;
        this.nanoClock = nanoClock;
        this.map = new LinkedHashMap<>(Math.min(maxEntries, 1024), 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<K, Slot<V>> eldest) {
                return size() > ExpiringLru.this.maxEntries;
            }
        };
    }

    /** The value, or null when absent or expired (an expired entry is removed). */
    public synchronized V get(K key) {
        Slot<V> slot = map.get(key);
        if (slot == null) {
            return null;
        }
        long now = nanoClock.getAsLong();
        if (now - slot.stamp > maxAgeNanos) {
            map.remove(key);
            return null;
        }
        if (refreshOnRead) {
            slot.stamp = now;
        }
        return slot.value;
    }

    public synchronized void put(K key, V value) {
        long now = nanoClock.getAsLong();
        Iterator<Slot<V>> oldest = map.values().iterator();
        for (int i = 0; i < PURGE_PER_WRITE && oldest.hasNext(); i++) {
            if (now - oldest.next().stamp > maxAgeNanos) {
                oldest.remove();
            } else if (refreshOnRead) {
                break; // access order is age order when reads refresh the age
            }
        }
        map.put(key, new Slot<>(value, now));
    }

    public synchronized V remove(K key) {
        Slot<V> slot = map.remove(key);
        return slot == null ? null : slot.value;
    }

    public synchronized void clear() {
        map.clear();
    }

    public synchronized int size() {
        return map.size();
    }
}

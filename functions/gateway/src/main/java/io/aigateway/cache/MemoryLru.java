package io.aigateway.cache;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The in-process layer: least recently used entries evicted once their bytes pass the budget. One short lock
 * around a linked map (no I/O inside, so virtual threads never pin on it); an entry bigger than a quarter of the
 * budget is not kept, so one large answer cannot flush everything else.
 */
final class MemoryLru {
    private final long capacity;
    private final LinkedHashMap<String, CacheEntry> map = new LinkedHashMap<>(64, 0.75f, true);
    private final ReentrantLock lock = new ReentrantLock();
    private long used;

    MemoryLru(long capacityBytes) {
        this.capacity = Math.max(0, capacityBytes);
    }

    boolean enabled() {
        return capacity > 0;
    }

    /** The live entry, or null; an expired one is dropped on the way. */
    CacheEntry get(String key, long nowMillis) {
        if (capacity == 0) {
            return null;
        }
        lock.lock();
        try {
            CacheEntry e = map.get(key);
            if (e != null && e.expiredAt(nowMillis)) {
                map.remove(key);
                used -= e.weight();
                return null;
            }
            return e;
        } finally {
            lock.unlock();
        }
    }

    void put(String key, CacheEntry entry, long nowMillis) {
        long weight = entry.weight();
        if (capacity == 0 || weight > capacity / 4 || entry.expiredAt(nowMillis)) {
            return;
        }
        lock.lock();
        try {
            CacheEntry old = map.put(key, entry);
            if (old != null) {
                used -= old.weight();
            }
            used += weight;
            Iterator<Map.Entry<String, CacheEntry>> eldest = map.entrySet().iterator();
            while (used > capacity && eldest.hasNext()) {
                CacheEntry out = eldest.next().getValue();
                eldest.remove();
                used -= out.weight();
            }
        } finally {
            lock.unlock();
        }
    }

    void remove(String key) {
        lock.lock();
        try {
            CacheEntry old = map.remove(key);
            if (old != null) {
                used -= old.weight();
            }
        } finally {
            lock.unlock();
        }
    }

    void clear() {
        lock.lock();
        try {
            map.clear();
            used = 0;
        } finally {
            lock.unlock();
        }
    }

    long usedBytes() {
        lock.lock();
        try {
            return used;
        } finally {
            lock.unlock();
        }
    }

    int size() {
        lock.lock();
        try {
            return map.size();
        } finally {
            lock.unlock();
        }
    }
}

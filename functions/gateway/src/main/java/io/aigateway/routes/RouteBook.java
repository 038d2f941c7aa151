package io.aigateway.routes;

import io.aigateway.config.ExpiringLru;

import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The live routes a process runs, read from the store at most once per refresh interval per route (as gateway
 * settings are); a change made through this process's admin API applies at once, elsewhere within the interval.
 */
public final class RouteBook {
    private final RouteStore store;
    private final ExpiringLru<String, Optional<Route>> cache;

    public RouteBook(RouteStore store, long refreshMillis) {
        this.store = store;
        this.cache = new ExpiringLru<>(1024, TimeUnit.MILLISECONDS.toNanos(Math.max(1, refreshMillis)), false,
                System::nanoTime);
    }

    /** The live version of a route; {@code name@N} names version N (to try a version before rolling it out). */
    public Optional<Route> find(String gateway, String name) {
        int at = name.lastIndexOf('@');
        if (at > 0) {
            try {
                return store.version(gateway, name.substring(0, at), Integer.parseInt(name.substring(at + 1).replace("v", "")));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        }
        String key = gateway + "\n" + name;
        Optional<Route> hit = cache.get(key);
        if (hit != null) {
            return hit;
        }
        Optional<Route> found = store.current(gateway, name);
        cache.put(key, found);
        return found;
    }

    public void invalidate(String gateway, String name) {
        cache.remove(gateway + "\n" + name);
    }
}

package io.aigateway.plugin;

import io.aigateway.core.Headers;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The combined changes of a request phase, for the gateway to apply to what it sends the provider.
 *
 * @param body          the new body (JSON bytes), or null when no plug-in or hook replaced it
 * @param setHeaders    fields to set, replacing any of the same name (lower-case names)
 * @param removeHeaders fields to remove (lower-case names; disjoint from {@code setHeaders})
 */
public record RequestEdits(byte[] body, Map<String, String> setHeaders, Set<String> removeHeaders) {
    public static final RequestEdits NONE = new RequestEdits(null, Map.of(), Set.of());

    public RequestEdits {
        setHeaders = setHeaders == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(setHeaders));
        removeHeaders = removeHeaders == null ? Set.of() : Collections.unmodifiableSet(new LinkedHashSet<>(removeHeaders));
    }

    public boolean isEmpty() {
        return body == null && setHeaders.isEmpty() && removeHeaders.isEmpty();
    }

    public boolean bodyChanged() {
        return body != null;
    }

    /** The new body, or {@code original} when it was not replaced. */
    public byte[] bodyOr(byte[] original) {
        return body == null ? original : body.clone();
    }

    @Override
    public byte[] body() {
        return body == null ? null : body.clone();
    }

    /**
     * The headers to send upstream: {@code upstream} (already filtered by the gateway's header policy) with these
     * changes. When the body changed, the caller must send the new length (the upstream client computes it).
     */
    public Headers applyTo(Headers upstream) {
        if (setHeaders.isEmpty() && removeHeaders.isEmpty()) {
            return upstream;
        }
        Headers.Builder b = upstream.toBuilder();
        removeHeaders.forEach(b::remove);
        setHeaders.forEach(b::set);
        return b.build();
    }

    @Override
    public String toString() {
        return "RequestEdits[body=" + (body == null ? "unchanged" : body.length + " bytes") + ", set="
                + setHeaders.keySet() + ", remove=" + removeHeaders + "]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RequestEdits e && Arrays.equals(body, e.body) && setHeaders.equals(e.setHeaders)
                && removeHeaders.equals(e.removeHeaders);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(body) * 31 + setHeaders.hashCode() * 17 + removeHeaders.hashCode();
    }

    /** Folds successive decisions: a later set beats an earlier remove of the same field and vice versa. */
    static final class Builder {
        private byte[] body;
        private final Map<String, String> set = new LinkedHashMap<>();
        private final Set<String> remove = new LinkedHashSet<>();

        void body(byte[] newBody) {
            body = newBody;
        }

        void set(Map<String, String> fields) {
            fields.forEach((name, value) -> {
                remove.remove(name);
                set.put(name, value);
            });
        }

        void remove(Set<String> names) {
            names.forEach(name -> {
                set.remove(name);
                remove.add(name);
            });
        }

        RequestEdits build() {
            return body == null && set.isEmpty() && remove.isEmpty() ? NONE : new RequestEdits(body, set, remove);
        }
    }
}

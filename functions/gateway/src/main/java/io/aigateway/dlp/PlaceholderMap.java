package io.aigateway.dlp;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Placeholders of one request and the values they replaced. Holds secrets: {@code toString} shows the count only,
 * and it should live no longer than the request.
 */
public final class PlaceholderMap {
    private final Map<String, String> originals;
    private final int longest;

    PlaceholderMap(Map<String, String> originals) {
        this.originals = Collections.unmodifiableMap(new LinkedHashMap<>(originals));
        int l = 0;
        for (String p : originals.keySet()) {
            l = Math.max(l, p.length());
        }
        this.longest = l;
    }

    public static PlaceholderMap empty() {
        return new PlaceholderMap(Map.of());
    }

    /** Only these placeholders (the values a policy lets the answer show again). */
    public PlaceholderMap only(Set<String> kept) {
        Map<String, String> m = new LinkedHashMap<>();
        originals.forEach((p, v) -> {
            if (kept.contains(p)) {
                m.put(p, v);
            }
        });
        return new PlaceholderMap(m);
    }

    public Optional<String> original(String placeholder) {
        return Optional.ofNullable(originals.get(placeholder));
    }

    public Set<String> placeholders() {
        return originals.keySet();
    }

    public int size() {
        return originals.size();
    }

    /** Length of the longest placeholder: the most a {@link StreamRestorer} holds back. */
    public int longestPlaceholder() {
        return longest;
    }

    String get(String placeholder) {
        return originals.get(placeholder);
    }

    @Override
    public String toString() {
        return "PlaceholderMap[" + originals.size() + " placeholders]";
    }
}

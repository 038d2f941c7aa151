package io.aigateway.plugin;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Short key/value notes a plug-in or hook adds to the request log. Bounded so that no plug-in can grow a log
 * record: at most {@value #MAX_PER_DECISION} per decision and {@value #MAX_PER_REQUEST} per request, keys of
 * {@code A-Z a-z 0-9 _ . -} up to {@value #MAX_KEY} characters, values cut to {@value #MAX_VALUE} characters with
 * control characters replaced. The gateway prefixes each key with its source ({@code plugin.<name>.} or
 * {@code hook.<id>.}), so one source can never overwrite another's notes.
 */
public final class Annotations {
    public static final int MAX_PER_DECISION = 8;
    public static final int MAX_PER_REQUEST = 32;
    public static final int MAX_KEY = 40;
    public static final int MAX_VALUE = 256;
    private static final Pattern KEY = Pattern.compile("[A-Za-z0-9_.-]{1," + MAX_KEY + "}");

    private Annotations() {
    }

    /** A decision's annotations, checked: a bad key or too many entries is a plug-in bug (IllegalArgumentException). */
    static Map<String, String> checked(Map<String, String> annotations) {
        if (annotations == null || annotations.isEmpty()) {
            return Map.of();
        }
        if (annotations.size() > MAX_PER_DECISION) {
            throw new IllegalArgumentException("at most " + MAX_PER_DECISION + " annotations per decision");
        }
        Map<String, String> out = new LinkedHashMap<>();
        annotations.forEach((k, v) -> {
            if (k == null || !KEY.matcher(k).matches()) {
                throw new IllegalArgumentException("annotation key '" + k + "' must be 1 to " + MAX_KEY
                        + " of A-Z a-z 0-9 _ . -");
            }
            out.put(k, value(v));
        });
        return Collections.unmodifiableMap(out);
    }

    static boolean validKey(String key) {
        return key != null && KEY.matcher(key).matches();
    }

    /** A value fit for a log field: at most {@value #MAX_VALUE} characters, control characters as '?'. */
    static String value(String v) {
        if (v == null) {
            return "";
        }
        int n = Math.min(v.length(), MAX_VALUE);
        StringBuilder b = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            char c = v.charAt(i);
            b.append(Character.isISOControl(c) ? '?' : c);
        }
        return b.toString();
    }

    /** Collects one request's annotations across plug-ins and hooks; the first {@value #MAX_PER_REQUEST} win. */
    static final class Collector {
        private final Map<String, String> entries = new LinkedHashMap<>();
        private int dropped;

        void addAll(String prefix, Map<String, String> annotations) {
            annotations.forEach((k, v) -> add(prefix + k, v));
        }

        void add(String key, String value) {
            if (entries.size() < MAX_PER_REQUEST || entries.containsKey(key)) {
                entries.put(key, value(value));
            } else {
                dropped++;
            }
        }

        Map<String, String> result() {
            if (dropped == 0) {
                return Collections.unmodifiableMap(new LinkedHashMap<>(entries));
            }
            Map<String, String> out = new LinkedHashMap<>(entries);
            out.put("annotations_dropped", Integer.toString(dropped));
            return Collections.unmodifiableMap(out);
        }
    }
}

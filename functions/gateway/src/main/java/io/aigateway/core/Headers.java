package io.aigateway.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.BiConsumer;

/**
 * HTTP header fields in arrival order, names compared case-insensitively and stored lower-case.
 * Repeated fields stay separate entries so both transports can reproduce them.
 */
public final class Headers {
    private final List<String> names;
    private final List<String> values;

    private Headers(List<String> names, List<String> values) {
        this.names = names;
        this.values = values;
    }

    public static Headers empty() {
        return new Headers(List.of(), List.of());
    }

    public static Builder builder() {
        return new Builder();
    }

    public Optional<String> first(String name) {
        String key = name.toLowerCase(Locale.ROOT);
        for (int i = 0; i < names.size(); i++) {
            if (names.get(i).equals(key)) {
                return Optional.of(values.get(i));
            }
        }
        return Optional.empty();
    }

    public String firstOrNull(String name) {
        return first(name).orElse(null);
    }

    public List<String> all(String name) {
        String key = name.toLowerCase(Locale.ROOT);
        List<String> found = new ArrayList<>(1);
        for (int i = 0; i < names.size(); i++) {
            if (names.get(i).equals(key)) {
                found.add(values.get(i));
            }
        }
        return found;
    }

    public boolean contains(String name) {
        return first(name).isPresent();
    }

    public int size() {
        return names.size();
    }

    public void forEach(BiConsumer<String, String> action) {
        for (int i = 0; i < names.size(); i++) {
            action.accept(names.get(i), values.get(i));
        }
    }

    /** Distinct names in first-seen order. */
    public List<String> names() {
        List<String> distinct = new ArrayList<>(names.size());
        for (String name : names) {
            if (!distinct.contains(name)) {
                distinct.add(name);
            }
        }
        return Collections.unmodifiableList(distinct);
    }

    /** An HTTP field name: one or more {@code tchar} (RFC 9110 section 5.6.2). */
    public static boolean isToken(String name) {
        if (name == null || name.isEmpty()) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean tchar = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
            if (!tchar) {
                return false;
            }
        }
        return true;
    }

    /**
     * False when a field value holds CR, LF or NUL: the characters that end a header line or the header block on
     * some parser, so a value holding one could become two fields (RFC 9110 section 5.5).
     */
    public static boolean isSafeValue(String value) {
        if (value == null) {
            return false;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\r' || c == '\n' || c == 0) {
                return false;
            }
        }
        return true;
    }

    /** Client input echoed in a message: at most 64 characters, printable ASCII, others as '?'. */
    public static String printable(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(Math.min(s.length(), 64));
        for (int i = 0; i < s.length() && b.length() < 64; i++) {
            char c = s.charAt(i);
            b.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return b.toString();
    }

    public Builder toBuilder() {
        Builder builder = new Builder();
        forEach(builder::add);
        return builder;
    }

    @Override
    public String toString() {
        return "Headers" + names;
    }

    public static final class Builder {
        private final List<String> names = new ArrayList<>();
        private final List<String> values = new ArrayList<>();

        public Builder add(String name, String value) {
            names.add(name.toLowerCase(Locale.ROOT));
            values.add(value);
            return this;
        }

        /** Replaces every field of that name with one. */
        public Builder set(String name, String value) {
            remove(name);
            return add(name, value);
        }

        public Builder remove(String name) {
            String key = name.toLowerCase(Locale.ROOT);
            for (int i = names.size() - 1; i >= 0; i--) {
                if (names.get(i).equals(key)) {
                    names.remove(i);
                    values.remove(i);
                }
            }
            return this;
        }

        public Headers build() {
            return new Headers(List.copyOf(names), List.copyOf(values));
        }
    }
}

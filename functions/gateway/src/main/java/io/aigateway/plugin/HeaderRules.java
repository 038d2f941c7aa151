package io.aigateway.plugin;

import io.aigateway.core.Headers;
import io.aigateway.core.SecretScrubber;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Which header fields plug-ins and hooks may see and touch. They never see credentials: a field is withheld when
 * its name is a known auth or session field or merely looks like one ({@code *auth*}, {@code *key*},
 * {@code *token*}, {@code *secret*}, {@code *cookie*}...), and the values that remain are passed through
 * {@link SecretScrubber} for key-shaped text. Edits may not touch the fields that frame the message or belong to
 * the gateway ({@code host}, {@code content-length}, hop-by-hop fields, {@code cf-aig-*}).
 */
final class HeaderRules {
    /** The exact names: the auth headers SecretScrubber masks as JSON members, plus session fields. */
    private static final Set<String> SECRET = Set.of(
            "authorization", "proxy-authorization", "x-api-key", "api-key", "x-goog-api-key",
            "cf-aig-authorization", "cookie", "cookie2", "set-cookie", "set-cookie2", "x-amz-security-token");
    private static final String[] SECRET_PARTS = {
            "auth", "key", "token", "secret", "cookie", "session", "password", "passwd", "credential", "signature"};
    private static final Set<String> FRAMING = Set.of(
            "host", "content-length", "transfer-encoding", "connection", "keep-alive", "te", "trailer", "upgrade",
            "proxy-connection", "expect", "content-encoding");
    static final int MAX_EDITS = 20;

    private HeaderRules() {
    }

    static boolean isSecret(String lowerName) {
        if (SECRET.contains(lowerName)) {
            return true;
        }
        for (String part : SECRET_PARTS) {
            if (lowerName.contains(part)) {
                return true;
            }
        }
        return false;
    }

    /** A copy fit for a plug-in or hook: credential fields dropped, key-shaped text in other values masked. */
    static Headers scrub(Headers headers) {
        if (headers == null) {
            return Headers.empty();
        }
        Headers.Builder out = Headers.builder();
        headers.forEach((name, value) -> {
            if (!isSecret(name)) {
                out.add(name, SecretScrubber.scrub(value));
            }
        });
        return out.build();
    }

    /** True when {@link #scrub} would return the same fields (so a record need not copy them). */
    static boolean isScrubbed(Headers headers) {
        boolean[] clean = {true};
        headers.forEach((name, value) -> {
            if (isSecret(name) || !value.equals(SecretScrubber.scrub(value))) {
                clean[0] = false;
            }
        });
        return clean[0];
    }

    /** Fields a plug-in sets: checked names (lower-cased) and one-line values. */
    static Map<String, String> checkedSet(Map<String, String> fields, String what) {
        if (fields == null || fields.isEmpty()) {
            return Map.of();
        }
        if (fields.size() > MAX_EDITS) {
            throw new IllegalArgumentException("at most " + MAX_EDITS + " " + what);
        }
        Map<String, String> out = new LinkedHashMap<>();
        fields.forEach((name, value) -> out.put(checkedName(name, what), checkedValue(name, value)));
        return Collections.unmodifiableMap(out);
    }

    static Set<String> checkedRemove(Collection<String> names, String what) {
        if (names == null || names.isEmpty()) {
            return Set.of();
        }
        if (names.size() > MAX_EDITS) {
            throw new IllegalArgumentException("at most " + MAX_EDITS + " " + what);
        }
        Set<String> out = new LinkedHashSet<>();
        names.forEach(name -> out.add(checkedName(name, what)));
        return Collections.unmodifiableSet(out);
    }

    static String checkedName(String name, String what) {
        if (!Headers.isToken(name)) {
            throw new IllegalArgumentException(what + ": '" + Headers.printable(name) + "' is not an HTTP field name");
        }
        String lower = name.toLowerCase(Locale.ROOT);
        if (FRAMING.contains(lower) || lower.startsWith("cf-aig-")) {
            throw new IllegalArgumentException(what + ": '" + lower + "' is set by the gateway and cannot be changed");
        }
        return lower;
    }

    static String checkedValue(String name, String value) {
        if (!Headers.isSafeValue(value)) {
            throw new IllegalArgumentException("header '" + Headers.printable(name)
                    + "' must have a one-line value (no CR, LF or NUL)");
        }
        return value;
    }
}

package io.aigateway.plugin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aigateway.core.Headers;
import io.aigateway.core.Json;
import io.aigateway.core.SecretScrubber;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

import static io.aigateway.plugin.SettingsFields.absent;
import static io.aigateway.plugin.SettingsFields.bad;
import static io.aigateway.plugin.SettingsFields.text;

/**
 * One entry of a gateway's {@code hooks} setting: an HTTP endpoint the gateway POSTs each request (and/or answer)
 * to, which answers allow, block or modify.
 *
 * @param id        unique within the gateway; names the hook in errors ({@code hook:<id>}) and logs
 * @param url       http or https, without user info
 * @param on        which phases call it (default {@code request})
 * @param timeoutMs connect plus answer time, 1 to 10000 ms (default 2000); then {@code fail} applies
 * @param fail      what a timeout, error status or unreadable answer means (default {@code closed}: refuse)
 * @param headers   sent to the hook with every call (its own auth, for example); never sent anywhere else
 * @param mode      {@code check} (allow/block, run in parallel) or {@code modify} (may replace the body; run in order)
 */
public record HookSettings(String id, URI url, HookPhase on, int timeoutMs, FailMode fail, Map<String, String> headers,
                           HookMode mode) {
    public static final String FIELD = "hooks";
    public static final int MAX_ENTRIES = 10;
    public static final int DEFAULT_TIMEOUT_MS = 2000;
    public static final int MAX_TIMEOUT_MS = 10_000;
    public static final int MAX_HEADERS = 20;
    public static final int MAX_URL = 2048;
    public static final int MAX_HEADER_VALUE = 4096;
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final Set<String> FIELDS = new LinkedHashSet<>(
            List.of("id", "url", "on", "timeout_ms", "fail", "headers", "mode"));
    /** The gateway writes these itself. */
    private static final Set<String> RESERVED = Set.of("content-type", "accept", "user-agent");

    public HookSettings {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(url, "url");
        on = on == null ? HookPhase.REQUEST : on;
        fail = fail == null ? FailMode.CLOSED : fail;
        headers = headers == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(headers));
        mode = mode == null ? HookMode.CHECK : mode;
    }

    /**
     * Reads and validates the {@code hooks} setting: at most {@value #MAX_ENTRIES} entries with unique ids; a bad
     * field is a 400 naming it ({@code hooks[0].timeout_ms: must be ...}).
     */
    public static List<HookSettings> listFromJson(JsonNode v) {
        if (absent(v)) {
            return List.of();
        }
        if (!v.isArray() || v.size() > MAX_ENTRIES) {
            throw bad(FIELD, "must be a list of at most " + MAX_ENTRIES
                    + " hooks such as {\"id\": \"moderation\", \"url\": \"https://hooks.example.com/check\"}");
        }
        List<HookSettings> out = new ArrayList<>(v.size());
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < v.size(); i++) {
            String field = FIELD + "[" + i + "]";
            HookSettings hook = fromJson(field, v.get(i));
            if (!ids.add(hook.id)) {
                throw bad(field + ".id", "'" + hook.id + "' is used by another hook; ids must be unique");
            }
            out.add(hook);
        }
        return List.copyOf(out);
    }

    static HookSettings fromJson(String field, JsonNode e) {
        if (e == null || !e.isObject()) {
            throw bad(field, "must be an object {\"id\", \"url\", \"on\", \"timeout_ms\", \"fail\", \"headers\", \"mode\"}");
        }
        SettingsFields.onlyFields(field, e, FIELDS);
        String id = text(field + ".id", e.get("id"));
        if (!ID.matcher(id).matches()) {
            throw bad(field + ".id", "must be 1 to 64 of A-Z a-z 0-9 _ -");
        }
        URI url = url(field + ".url", text(field + ".url", e.get("url")));
        HookPhase on = absent(e.get("on")) ? HookPhase.REQUEST
                : HookPhase.parse(text(field + ".on", e.get("on")))
                        .orElseThrow(() -> bad(field + ".on", "must be request, response or both"));
        int timeout = DEFAULT_TIMEOUT_MS;
        if (!absent(e.get("timeout_ms"))) {
            timeout = SettingsFields.integer(field + ".timeout_ms", e.get("timeout_ms"));
            if (timeout < 1 || timeout > MAX_TIMEOUT_MS) {
                throw bad(field + ".timeout_ms", "must be milliseconds from 1 to " + MAX_TIMEOUT_MS);
            }
        }
        FailMode fail = absent(e.get("fail")) ? FailMode.CLOSED
                : FailMode.parse(text(field + ".fail", e.get("fail")))
                        .orElseThrow(() -> bad(field + ".fail", "must be open or closed"));
        Map<String, String> headers = headers(field + ".headers", e.get("headers"));
        HookMode mode = absent(e.get("mode")) ? HookMode.CHECK
                : HookMode.parse(text(field + ".mode", e.get("mode")))
                        .orElseThrow(() -> bad(field + ".mode", "must be check or modify"));
        return new HookSettings(id, url, on, timeout, fail, headers, mode);
    }

    private static URI url(String field, String raw) {
        if (raw.length() > MAX_URL) {
            throw bad(field, "must be at most " + MAX_URL + " characters");
        }
        URI uri;
        try {
            uri = new URI(raw);
        } catch (URISyntaxException ex) {
            throw bad(field, "is not a URL (" + Headers.printable(ex.getReason()) + ")");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw bad(field, "must be an http:// or https:// URL");
        }
        if (uri.getRawUserInfo() != null) {
            // credentials in a URL end up in logs and error messages: put them in the hook's headers instead
            throw bad(field, "must not hold user info (user:password@); send credentials in the hook's headers");
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            throw bad(field, "must name a host");
        }
        if (uri.getRawFragment() != null) {
            throw bad(field, "must not have a #fragment");
        }
        return uri;
    }

    private static Map<String, String> headers(String field, JsonNode v) {
        if (absent(v)) {
            return Map.of();
        }
        if (!v.isObject() || v.size() > MAX_HEADERS) {
            throw bad(field, "must be an object of at most " + MAX_HEADERS + " header fields, such as "
                    + "{\"authorization\": \"Bearer ...\"}");
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> h : v.properties()) {
            String name = h.getKey();
            String hf = field + "." + Headers.printable(name);
            if (!Headers.isToken(name)) {
                throw bad(hf, "is not an HTTP field name");
            }
            String lower = name.toLowerCase(Locale.ROOT);
            if (RESERVED.contains(lower)) {
                throw bad(hf, "is written by the gateway");
            }
            try {
                HeaderRules.checkedName(lower, "header");
            } catch (IllegalArgumentException ex) {
                throw bad(hf, "is written by the gateway");
            }
            String value = text(hf, h.getValue());
            if (!Headers.isSafeValue(value)) {
                throw bad(hf, "must be one line (no CR, LF or NUL)");
            }
            if (value.length() > MAX_HEADER_VALUE) {
                throw bad(hf, "must be at most " + MAX_HEADER_VALUE + " characters");
            }
            if (out.put(lower, value) != null) {
                throw bad(hf, "is given twice");
            }
        }
        return Collections.unmodifiableMap(out);
    }

    /** The stored form, header values included (read back by {@link #listFromJson}). */
    public ObjectNode toJson() {
        return json(false);
    }

    /** For the admin API's answers: header values (often the hook's own credentials) masked. */
    public ObjectNode toPublicJson() {
        return json(true);
    }

    private ObjectNode json(boolean maskHeaders) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("id", id);
        o.put("url", url.toString());
        o.put("on", on.label());
        o.put("timeout_ms", timeoutMs);
        o.put("fail", fail.label());
        ObjectNode h = o.putObject("headers");
        headers.forEach((name, value) -> h.put(name, maskHeaders ? SecretScrubber.MASK : value));
        o.put("mode", mode.label());
        return o;
    }

    public static ArrayNode toJson(List<HookSettings> hooks) {
        ArrayNode a = Json.MAPPER.createArrayNode();
        hooks.forEach(h -> a.add(h.toJson()));
        return a;
    }
}

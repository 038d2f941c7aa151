package io.aigateway.plugin.headerguard;

import com.fasterxml.jackson.databind.JsonNode;
import io.aigateway.plugin.GatewayPlugin;
import io.aigateway.plugin.RequestDecision;

import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * {@code header-guard}: adds configured headers to every request sent to the provider, and refuses requests whose
 * prompt text matches a pattern. Config:
 * <pre>{@code {"add_headers": {"x-team": "search"}, "block_pattern": "(?i)\\bproject\\s+falcon\\b",
 *  "block_message": "internal code names stay inside", "max_scan_chars": 65536}}</pre>
 * At least one of {@code add_headers} and {@code block_pattern}. The pattern is compiled once, here; the text it
 * scans is bounded ({@code max_scan_chars}), and so is the work one match may take, so a pathological pattern
 * fails (as the entry's {@code fail} says) instead of holding a request thread.
 */
public final class HeaderGuardPlugin implements GatewayPlugin {
    public static final String NAME = "header-guard";
    static final int DEFAULT_MAX_SCAN_CHARS = 64 * 1024;
    static final int MAX_SCAN_CHARS = 1024 * 1024;
    static final int MAX_PATTERN = 1000;
    private static final Set<String> FIELDS = Set.of("add_headers", "block_pattern", "block_message", "max_scan_chars");

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Configured configure(JsonNode config) {
        if (config == null || !config.isObject()) {
            throw new IllegalArgumentException("config must be a JSON object");
        }
        for (Iterator<String> names = config.fieldNames(); names.hasNext(); ) {
            String field = names.next();
            if (!FIELDS.contains(field)) {
                throw new IllegalArgumentException("'" + field + "' is not a header-guard field (known: "
                        + String.join(", ", FIELDS.stream().sorted().toList()) + ")");
            }
        }
        RequestDecision.Modify addHeaders = addHeaders(config.get("add_headers"));
        Pattern pattern = pattern(config.get("block_pattern"));
        if (addHeaders == null && pattern == null) {
            throw new IllegalArgumentException("give add_headers, block_pattern or both");
        }
        String message = text(config, "block_message", "the prompt matches a blocked pattern");
        int maxChars = DEFAULT_MAX_SCAN_CHARS;
        if (config.has("max_scan_chars")) {
            JsonNode n = config.get("max_scan_chars");
            if (!n.isIntegralNumber() || n.asLong() < 1 || n.asLong() > MAX_SCAN_CHARS) {
                throw new IllegalArgumentException("max_scan_chars must be a whole number from 1 to " + MAX_SCAN_CHARS);
            }
            maxChars = n.asInt();
        }
        return new HeaderGuard(addHeaders, pattern, message, maxChars);
    }

    /** The decision every allowed request gets, built (and so validated by the SPI) once. */
    private static RequestDecision.Modify addHeaders(JsonNode v) {
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isObject() || v.isEmpty()) {
            throw new IllegalArgumentException("add_headers must be an object of header names to values, such as "
                    + "{\"x-team\": \"search\"}");
        }
        RequestDecision.Modify decision = RequestDecision.modify(null);
        for (Map.Entry<String, JsonNode> h : v.properties()) {
            if (!h.getValue().isTextual()) {
                throw new IllegalArgumentException("add_headers." + h.getKey() + " must be a string");
            }
            try {
                decision = decision.setHeader(h.getKey(), h.getValue().asText());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("add_headers: " + e.getMessage(), e);
            }
        }
        return decision;
    }

    private static Pattern pattern(JsonNode v) {
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual() || v.asText().isEmpty() || v.asText().length() > MAX_PATTERN) {
            throw new IllegalArgumentException("block_pattern must be a regular expression of 1 to " + MAX_PATTERN
                    + " characters");
        }
        try {
            return Pattern.compile(v.asText());
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("block_pattern is not a valid regular expression: "
                    + e.getDescription() + " near index " + e.getIndex());
        }
    }

    private static String text(JsonNode config, String field, String fallback) {
        JsonNode v = config.get(field);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isTextual() || v.asText().isBlank() || v.asText().length() > 200) {
            throw new IllegalArgumentException(field + " must be a string of 1 to 200 characters");
        }
        return v.asText();
    }
}

package io.aigateway.core;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Duration;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The per-request {@code cf-aig-*} headers this version understands, validated once. A bad value is a 400 that
 * names the header and what it accepts.
 */
public record RequestOptions(
        Map<String, Object> metadata,
        String eventId,
        Optional<Boolean> collectLog,
        Optional<Duration> requestTimeout,
        Optional<Integer> maxAttempts,
        Optional<Integer> retryDelay,
        Optional<Backoff> backoff,
        Optional<Boolean> collectLogPayload) {

    public static final int MAX_METADATA_ENTRIES = 5;
    private static final int MAX_METADATA_VALUE = 256;
    private static final int MAX_EVENT_ID = 128;

    public static RequestOptions parse(Headers headers) {
        return new RequestOptions(
                metadata(headers.firstOrNull("cf-aig-metadata")),
                eventId(headers.firstOrNull("cf-aig-event-id")),
                bool(headers, "cf-aig-collect-log"),
                timeout(headers.firstOrNull("cf-aig-request-timeout")),
                bounded(headers.firstOrNull("cf-aig-max-attempts"), "cf-aig-max-attempts", 1, 5, ""),
                bounded(headers.firstOrNull("cf-aig-retry-delay"), "cf-aig-retry-delay", 0, 5000, " milliseconds"),
                backoff(headers.firstOrNull("cf-aig-backoff")),
                bool(headers, "cf-aig-collect-log-payload"));
    }

    /** The same options with other metadata (a key's identity merged in over the client's). */
    public RequestOptions withMetadata(Map<String, Object> newMetadata) {
        return new RequestOptions(newMetadata, eventId, collectLog, requestTimeout, maxAttempts, retryDelay, backoff,
                collectLogPayload);
    }

    private static Optional<Integer> bounded(String raw, String name, int min, int max, String unit) {
        if (raw == null) {
            return Optional.empty();
        }
        try {
            int v = Integer.parseInt(raw.trim());
            if (v >= min && v <= max) {
                return Optional.of(v);
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw bad(name + " must be a whole number from " + min + " to " + max + unit + ".");
    }

    private static Optional<Backoff> backoff(String raw) {
        if (raw == null) {
            return Optional.empty();
        }
        return Optional.of(Backoff.parse(raw)
                .orElseThrow(() -> bad("cf-aig-backoff must be constant, linear or exponential.")));
    }

    private static Map<String, Object> metadata(String raw) {
        if (raw == null || raw.isBlank()) {
            return Map.of();
        }
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(raw);
        } catch (Exception e) {
            node = null;
        }
        return metadata(node, "cf-aig-metadata");
    }

    /**
     * Validated metadata from a JSON object: at most {@value #MAX_METADATA_ENTRIES} flat entries of strings, numbers
     * or booleans. {@code name} is what error messages call it ({@code cf-aig-metadata}, or a field of an API body).
     */
    public static Map<String, Object> metadata(JsonNode node, String name) {
        if (node == null || !node.isObject()) {
            throw bad(name + " must be a JSON object, for example {\"team\":\"search\",\"user\":\"u-42\"}.");
        }
        if (node.size() > MAX_METADATA_ENTRIES) {
            throw bad(name + " holds at most " + MAX_METADATA_ENTRIES + " entries; it has " + node.size() + ".");
        }
        Map<String, Object> entries = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> fields = node.properties().iterator();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> e = fields.next();
            String key = e.getKey();
            JsonNode v = e.getValue();
            if (key.isEmpty() || key.length() > 64) {
                throw bad(name + " keys must be 1-64 characters long.");
            }
            if (v.isTextual()) {
                if (v.asText().length() > MAX_METADATA_VALUE) {
                    throw bad(name + " value of '" + key + "' is longer than " + MAX_METADATA_VALUE + " characters.");
                }
                entries.put(key, v.asText());
            } else if (v.isBoolean()) {
                entries.put(key, v.asBoolean());
            } else if (v.isNumber()) {
                if (!storableNumber(v)) {
                    throw new GatewayException(ErrorCode.NUMBER_OUT_OF_RANGE, name + " value of '" + key + "' "
                            + io.aigateway.store.DynamoNumbers.rule() + "; got " + v + ".");
                }
                entries.put(key, v.numberValue());
            } else {
                throw bad(name + " values must be strings, numbers or booleans (flat); '" + key + "' is not.");
            }
        }
        return Collections.unmodifiableMap(entries);
    }

    private static String eventId(String raw) {
        if (raw == null) {
            return null;
        }
        if (raw.isEmpty() || raw.length() > MAX_EVENT_ID || !raw.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            throw bad("cf-aig-event-id must be 1-" + MAX_EVENT_ID + " printable ASCII characters without spaces.");
        }
        return raw;
    }

    static Optional<Boolean> bool(Headers headers, String name) {
        String raw = headers.firstOrNull(name);
        if (raw == null) {
            return Optional.empty();
        }
        return switch (raw.trim().toLowerCase()) {
            case "true" -> Optional.of(true);
            case "false" -> Optional.of(false);
            default -> throw bad(name + " must be true or false.");
        };
    }

    private static Optional<Duration> timeout(String raw) {
        if (raw == null) {
            return Optional.empty();
        }
        try {
            long ms = Long.parseLong(raw.trim());
            if (ms >= 1 && ms <= 900_000) {
                return Optional.of(Duration.ofMillis(ms));
            }
        } catch (NumberFormatException ignored) {
            // falls through to the error
        }
        throw bad("cf-aig-request-timeout must be milliseconds between 1 and 900000.");
    }

    /** A JSON number DynamoDB can store (see DynamoNumbers); infinite doubles included in the refusal. */
    public static boolean storableNumber(com.fasterxml.jackson.databind.JsonNode v) {
        if ((v.isDouble() || v.isFloat()) && !Double.isFinite(v.doubleValue())) {
            return false;
        }
        return io.aigateway.store.DynamoNumbers.storable(v.decimalValue());
    }

    private static GatewayException bad(String message) {
        return new GatewayException(ErrorCode.BAD_HEADER, message);
    }
}

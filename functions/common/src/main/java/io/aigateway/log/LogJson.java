package io.aigateway.log;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aigateway.core.Json;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A log record as the admin API shows it, and as it travels in a record line (see RecordFormat). */
public final class LogJson {
    private LogJson() {
    }

    public static ObjectNode toJson(RequestLog log) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("id", log.id());
        o.put("created_at", Instant.ofEpochMilli(log.createdAt()).toString());
        o.put("gateway", log.gateway());
        o.put("provider", log.provider());
        o.put("model", log.model());
        o.put("method", log.method());
        o.put("path", log.path());
        o.put("status_code", log.statusCode());
        o.put("success", log.success());
        o.put("cached", log.cached());
        o.put("stream", log.stream());
        o.put("duration", log.duration());
        o.put("time_to_first_byte", log.timeToFirstByte());
        o.put("upstream_duration", log.upstreamDuration());
        o.put("tokens_in", log.tokensIn());
        o.put("tokens_out", log.tokensOut());
        o.put("tokens_cached", log.tokensCached());
        o.put("tokens_cache_write", log.tokensCacheWrite());
        o.put("tokens_reasoning", log.tokensReasoning());
        ObjectNode meta = o.putObject("metadata");
        log.metadata().forEach((k, v) -> {
            switch (v) {
                case Boolean b -> meta.put(k, b);
                case BigDecimal d -> meta.put(k, d);
                case Long l -> meta.put(k, l);
                case Integer i -> meta.put(k, i);
                case Number n -> meta.put(k, n.doubleValue());
                default -> meta.put(k, v.toString());
            }
        });
        o.put("event_id", log.eventId());
        o.put("user_agent", log.userAgent());
        o.put("request_size", log.requestSize());
        o.put("response_size", log.responseSize());
        o.put("request_head", log.requestHead());
        o.put("response_head", log.responseHead());
        o.put("attempts", log.attempts());
        o.put("error_code", log.errorCode());
        o.put("outcome", log.outcome());
        o.put("step", log.step());
        log.failedSteps().forEach(o.putArray("failed_steps")::add);
        o.put("cache_note", log.cacheNote());
        o.put("blocked_by", log.blockedBy());
        o.put("key_id", log.keyId());
        if (!log.annotations().isEmpty()) {
            ObjectNode notes = o.putObject("annotations");
            log.annotations().forEach(notes::put);
        }
        o.put("requested_model", log.requestedModel());
        o.put("route", log.route());
        o.put("route_version", log.routeVersion());
        log.routePath().forEach(o.putArray("route_path")::add);
        o.put("cost", log.cost());
        o.put("cost_saved", log.costSaved());
        o.put("cost_estimated", log.costEstimated());
        o.put("feedback", log.feedback());
        o.put("score", log.score());
        o.put("expires_at", Instant.ofEpochSecond(log.expiresAt()).toString());
        o.put("dlp_action", log.dlpAction());
        ObjectNode findings = o.putObject("dlp_findings");
        log.dlpFindings().forEach(findings::put);
        return o;
    }

    /** The inverse of {@link #toJson}; throws IllegalArgumentException when a required field is missing. */
    public static RequestLog fromJson(JsonNode o) {
        String id = text(o, "id");
        String gateway = text(o, "gateway");
        if (id == null || !LogIds.isValid(id) || gateway == null || gateway.isEmpty()) {
            throw new IllegalArgumentException("a log record needs a valid id and a gateway");
        }
        Map<String, Object> metadata = new LinkedHashMap<>();
        JsonNode meta = o.get("metadata");
        if (meta != null && meta.isObject()) {
            meta.properties().forEach(e -> {
                JsonNode v = e.getValue();
                metadata.put(e.getKey(), v.isBoolean() ? (Object) v.booleanValue()
                        : v.isNumber() ? v.decimalValue() : v.asText());
            });
        }
        List<Integer> failed = new ArrayList<>();
        JsonNode steps = o.get("failed_steps");
        if (steps != null && steps.isArray()) {
            steps.forEach(n -> failed.add(n.asInt()));
        }
        return new RequestLog(id,
                Instant.parse(text(o, "created_at")).toEpochMilli(),
                gateway,
                text(o, "provider"),
                text(o, "model"),
                text(o, "method"),
                text(o, "path"),
                o.path("status_code").asInt(),
                o.path("success").asBoolean(),
                o.path("cached").asBoolean(),
                o.path("stream").asBoolean(),
                o.path("duration").asLong(-1),
                o.path("time_to_first_byte").asLong(-1),
                o.path("upstream_duration").asLong(-1),
                longOrNull(o, "tokens_in"),
                longOrNull(o, "tokens_out"),
                metadata,
                text(o, "event_id"),
                text(o, "user_agent"),
                o.path("request_size").asLong(),
                o.path("response_size").asLong(),
                text(o, "request_head"),
                text(o, "response_head"),
                o.path("attempts").asInt(),
                o.hasNonNull("error_code") ? o.get("error_code").asInt() : null,
                text(o, "outcome"),
                o.hasNonNull("step") ? o.get("step").asInt() : null,
                List.copyOf(failed),
                text(o, "cache_note"),
                o.hasNonNull("cost") ? o.get("cost").asDouble() : null,
                o.hasNonNull("cost_saved") ? o.get("cost_saved").asDouble() : null,
                o.path("cost_estimated").asBoolean(),
                o.hasNonNull("feedback") ? o.get("feedback").asInt() : null,
                o.hasNonNull("score") ? o.get("score").asDouble() : null,
                Instant.parse(text(o, "expires_at")).getEpochSecond(),
                longOrNull(o, "tokens_cached"),
                longOrNull(o, "tokens_cache_write"),
                longOrNull(o, "tokens_reasoning"),
                text(o, "blocked_by"),
                strings(o.path("annotations")),
                text(o, "requested_model"),
                text(o, "route"),
                o.hasNonNull("route_version") ? o.get("route_version").asInt() : null,
                list(o.get("route_path")),
                text(o, "key_id"),
                text(o, "dlp_action"),
                counts(o.get("dlp_findings")));
    }

    private static List<String> list(JsonNode array) {
        List<String> out = new ArrayList<>();
        if (array != null && array.isArray()) {
            array.forEach(n -> out.add(n.asText()));
        }
        return out;
    }

    /** {@code {"email": 2}}; absent in records written before the field existed. */
    private static Map<String, Integer> counts(JsonNode findings) {
        Map<String, Integer> out = new LinkedHashMap<>();
        if (findings != null && findings.isObject()) {
            findings.properties().forEach(e -> out.put(e.getKey(), e.getValue().asInt()));
        }
        return out;
    }

    private static String text(JsonNode o, String field) {
        JsonNode v = o.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static Long longOrNull(JsonNode o, String field) {
        JsonNode v = o.get(field);
        return v == null || v.isNull() ? null : v.asLong();
    }

    private static Map<String, String> strings(JsonNode node) {
        if (!node.isObject() || node.isEmpty()) {
            return Map.of();
        }
        Map<String, String> out = new java.util.LinkedHashMap<>();
        node.properties().forEach(e -> out.put(e.getKey(), e.getValue().asText()));
        return java.util.Collections.unmodifiableMap(out);
    }
}

package io.aigateway.log;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aigateway.core.Json;

import java.math.BigDecimal;
import java.time.Instant;

/** A log record as the admin API shows it. */
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
        o.put("cost", log.cost());
        o.put("cost_saved", log.costSaved());
        o.put("cost_estimated", log.costEstimated());
        o.put("feedback", log.feedback());
        o.put("score", log.score());
        o.put("expires_at", Instant.ofEpochSecond(log.expiresAt()).toString());
        return o;
    }
}

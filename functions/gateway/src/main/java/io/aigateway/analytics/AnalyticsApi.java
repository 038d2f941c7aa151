package io.aigateway.analytics;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aigateway.core.ErrorCode;
import io.aigateway.core.GatewayException;
import io.aigateway.core.Json;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * {@code GET /api/v1/gateways/{id}/analytics?from=&to=&group_by=provider|model|key|metadata.<key>&bucket=hour|day}:
 * requests, errors, cached requests, tokens in and out, cost, cost saved, latency p50/p95 per group and per time
 * bucket, from the hourly rollups (one keyed Query per hour, run in parallel).
 */
public final class AnalyticsApi {
    private static final int MAX_HOURS = 24 * 93;

    private final Rollups rollups;
    private final ExecutorService executor;

    public AnalyticsApi(Rollups rollups, ExecutorService executor) {
        this.rollups = rollups;
        this.executor = executor;
    }

    public ObjectNode query(String gateway, Map<String, String> params) {
        Instant to = time(params, "to", Instant.now());
        Instant from = time(params, "from", to.minus(1, ChronoUnit.DAYS));
        if (!from.isBefore(to)) {
            throw bad("from must be before to.");
        }
        String groupBy = params.getOrDefault("group_by", "provider");
        if (!groupBy.equals("provider") && !groupBy.equals("model") && !groupBy.equals("key")
                && !(groupBy.startsWith("metadata.") && groupBy.length() > 9 && groupBy.length() <= 73)) {
            throw bad("group_by must be provider, model, key (the virtual key id) or metadata.<key>.");
        }
        // provider and model cover every request once; key and metadata only the requests that carry one
        boolean covering = groupBy.equals("provider") || groupBy.equals("model");
        String bucket = params.getOrDefault("bucket", "hour");
        if (!bucket.equals("hour") && !bucket.equals("day")) {
            throw bad("bucket must be hour or day.");
        }
        Instant firstHour = from.truncatedTo(ChronoUnit.HOURS);
        long hours = ChronoUnit.HOURS.between(firstHour, to) + 1;
        if (hours > MAX_HOURS) {
            throw bad("The range covers more than " + MAX_HOURS / 24 + " days; narrow from/to.");
        }
        List<Instant> hourStarts = new ArrayList<>();
        List<Future<Map<String, Counters>>> results = new ArrayList<>();
        for (long h = 0; h < hours; h++) {
            Instant start = firstHour.plus(h, ChronoUnit.HOURS);
            hourStarts.add(start);
            results.add(executor.submit(() -> rollups.hour(gateway, groupBy, Rollups.hourOf(start.toEpochMilli()))));
        }
        // group -> time bucket -> counters
        Map<String, TreeMap<Instant, Counters>> series = new TreeMap<>();
        Counters totals = new Counters();
        for (int i = 0; i < results.size(); i++) {
            Instant slot = bucket.equals("day") ? hourStarts.get(i).truncatedTo(ChronoUnit.DAYS) : hourStarts.get(i);
            Map<String, Counters> hour = join(results.get(i));
            for (Map.Entry<String, Counters> e : hour.entrySet()) {
                series.computeIfAbsent(e.getKey(), k -> new TreeMap<>()).computeIfAbsent(slot, s -> new Counters())
                        .add(e.getValue());
                if (covering) {
                    totals.add(e.getValue());
                }
            }
        }
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("from", from.toString());
        root.put("to", to.toString());
        root.put("group_by", groupBy);
        root.put("bucket", bucket);
        ArrayNode groups = root.putArray("groups");
        series.forEach((key, slots) -> {
            ObjectNode g = groups.addObject();
            g.put("key", key);
            Counters sum = new Counters();
            slots.values().forEach(sum::add);
            sum.writeTo(g);
            ArrayNode points = g.putArray("series");
            slots.forEach((time, c) -> {
                ObjectNode p = points.addObject();
                p.put("time", time.toString());
                c.writeTo(p);
            });
        });
        if (covering) {
            totals.writeTo(root.putObject("totals"));
        }
        return root;
    }

    private static Map<String, Counters> join(Future<Map<String, Counters>> f) {
        try {
            return f.get();
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static Instant time(Map<String, String> params, String name, Instant fallback) {
        String raw = params.get(name);
        if (raw == null || raw.isEmpty()) {
            return fallback;
        }
        try {
            return raw.chars().allMatch(Character::isDigit) ? Instant.ofEpochMilli(Long.parseLong(raw)) : Instant.parse(raw);
        } catch (NumberFormatException | DateTimeParseException e) {
            throw bad(name + " must be an ISO-8601 time such as 2026-11-22T10:00:00Z, or epoch milliseconds.");
        }
    }

    private static GatewayException bad(String message) {
        return new GatewayException(ErrorCode.BAD_REQUEST, message);
    }
}

package io.aigateway.budget;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aigateway.core.Json;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one request did to its budget buckets, carried in its record line (root member {@code "spend"}) so that the
 * ingest, not the request path, writes the counters: for each bucket, what the gateway reserved before the provider
 * call and what the request actually used. The ingest adds {@code actual - reserved} to each bucket, once per log id.
 * <pre>
 *   "spend": {"id": log id, "gateway": g, "buckets": [
 *     {"pk", "sk", "reserved": "0.0021", "actual": "0.0004",
 *      "rule", "measure": "spend"|"tokens", "limit", "end": window end (epoch s), "labels": {...},
 *      "alerts": [50, 80, 100], "observe": true}]}
 * </pre>
 * A bucket the request reserved on but did not end up using (a fallback went elsewhere) has only pk, sk and
 * reserved: it is released. Rule fields are present where the request counted: the ingest needs them for
 * exhausted markers and alerts without reading any settings.
 */
public record Settlement(String logId, String gateway, List<Entry> buckets) {
    public static final String MEMBER = "spend";

    public Settlement {
        buckets = List.copyOf(buckets);
    }

    /**
     * One bucket's part.
     *
     * @param rule     null for a released reservation only (no rule facts needed)
     * @param observe  the rule is enforced from the exhausted set (no reservation), so the ingest keeps that set
     */
    public record Entry(String pk, String sk, BigDecimal reserved, BigDecimal actual, String rule, String measure,
                        BigDecimal limit, long windowEnd, Map<String, String> labels, List<Integer> alerts,
                        boolean observe) {
        public Entry {
            reserved = reserved == null ? BigDecimal.ZERO : reserved;
            actual = actual == null ? BigDecimal.ZERO : actual;
            labels = labels == null ? Map.of() : Map.copyOf(labels);
            alerts = alerts == null ? List.of() : List.copyOf(alerts);
        }

        /** A reservation to give back whole (the request used nothing of it there). */
        public static Entry release(String pk, String sk, BigDecimal reserved) {
            return new Entry(pk, sk, reserved, BigDecimal.ZERO, null, null, null, 0, Map.of(), List.of(), false);
        }

        public String id() {
            return pk + "|" + sk;
        }

        public boolean hasRule() {
            return rule != null && limit != null;
        }

        ObjectNode toJson() {
            ObjectNode o = Json.MAPPER.createObjectNode();
            o.put("pk", pk);
            o.put("sk", sk);
            o.put("reserved", reserved.toPlainString());
            o.put("actual", actual.toPlainString());
            if (hasRule()) {
                o.put("rule", rule);
                o.put("measure", measure);
                o.put("limit", limit.toPlainString());
                o.put("end", windowEnd);
                ObjectNode l = o.putObject("labels");
                labels.forEach(l::put);
                ArrayNode a = o.putArray("alerts");
                alerts.forEach(a::add);
                o.put("observe", observe);
            }
            return o;
        }

        static Entry fromJson(JsonNode o) {
            String pk = o.path("pk").asText("");
            String sk = o.path("sk").asText("");
            if (!pk.startsWith("SPEND#") || sk.isEmpty()) {
                throw new IllegalArgumentException("a spend bucket without its SPEND# key");
            }
            Map<String, String> labels = new LinkedHashMap<>();
            o.path("labels").properties().forEach(e -> labels.put(e.getKey(), e.getValue().asText()));
            List<Integer> alerts = new ArrayList<>();
            o.path("alerts").forEach(a -> alerts.add(a.asInt()));
            String rule = o.hasNonNull("rule") ? o.get("rule").asText() : null;
            return new Entry(pk, sk, new BigDecimal(o.path("reserved").asText("0")),
                    new BigDecimal(o.path("actual").asText("0")), rule, o.path("measure").asText("spend"),
                    o.hasNonNull("limit") ? new BigDecimal(o.get("limit").asText()) : null, o.path("end").asLong(0),
                    labels, alerts, o.path("observe").asBoolean(false));
        }
    }

    public ObjectNode toJson() {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("id", logId);
        o.put("gateway", gateway);
        ArrayNode a = o.putArray("buckets");
        buckets.forEach(b -> a.add(b.toJson()));
        return o;
    }

    /** Throws on a member that is not a settlement (the line is then parked). */
    public static Settlement fromJson(JsonNode o) {
        if (o == null || !o.isObject() || !o.path("id").isTextual() || !o.path("gateway").isTextual()
                || !o.path("buckets").isArray()) {
            throw new IllegalArgumentException("a spend member needs id, gateway and buckets");
        }
        List<Entry> entries = new ArrayList<>();
        o.get("buckets").forEach(b -> entries.add(Entry.fromJson(b)));
        return new Settlement(o.get("id").asText(), o.get("gateway").asText(), entries);
    }
}

package io.aigateway.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aigateway.core.ErrorCode;
import io.aigateway.core.GatewayException;
import io.aigateway.core.Json;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A spend or token budget: at most {@code limit} (USD, or tokens) per fixed window of {@code windowSeconds}, counted
 * per bucket. The dimensions say which requests a rule applies to and how they are bucketed: each {@code split}
 * dimension gives every value its own bucket, each {@code filter} dimension applies the rule only to requests with
 * that one value. With no dimension, one bucket is shared by every request of the gateway.
 *
 * @param id            names the rule in 429 messages and in {@code GET .../spend}; unique within its list
 * @param measure       what is counted: USD (spend_limits) or tokens (token_limits)
 * @param limit         USD or tokens per window
 * @param windowSeconds fixed windows aligned to the epoch (a day window starts at 00:00 UTC)
 * @param count         which tokens a token rule counts (spend rules: always {@link TokenCount#TOTAL})
 * @param enforcement   {@code reserve} (default): an estimate is reserved on the bucket before the provider call, by
 *                      a conditional write that fails when it would not fit; {@code observe}: no store call per
 *                      request, the gateway refuses buckets the ingest has marked exhausted (seen within seconds)
 * @param alertThresholds percentages of the limit (1-1000, at most 5) at which the ingest publishes an alert, once
 *                      per window and bucket; empty: none
 */
public record LimitRule(String id, Measure measure, BigDecimal limit, int windowSeconds, TokenCount count,
                        List<Dimension> dimensions, Enforcement enforcement, List<Integer> alertThresholds) {

    public LimitRule {
        enforcement = enforcement == null ? Enforcement.RESERVE : enforcement;
        alertThresholds = alertThresholds == null ? List.of() : List.copyOf(alertThresholds);
    }

    public LimitRule(String id, Measure measure, BigDecimal limit, int windowSeconds, TokenCount count,
                     List<Dimension> dimensions) {
        this(id, measure, limit, windowSeconds, count, dimensions, Enforcement.RESERVE, List.of());
    }

    /** How a rule is enforced before the provider call (see the record's parameters). */
    public enum Enforcement { RESERVE, OBSERVE }

    public static final int MAX_ALERTS = 5;

    public static final int MAX_RULES = 20;
    public static final int MAX_DIMENSIONS = 4;
    public static final int MAX_WINDOW_SECONDS = 366 * 86_400;
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_.:-]{1,80}");
    private static final BigDecimal MAX_LIMIT = new BigDecimal("1e12");

    public enum Measure {
        SPEND("limit_usd"), TOKENS("limit_tokens");

        private final String limitField;

        Measure(String limitField) {
            this.limitField = limitField;
        }

        public String limitField() {
            return limitField;
        }
    }

    public enum TokenCount { TOTAL, INPUT, OUTPUT }

    public enum DimensionType { PROVIDER, MODEL, METADATA, KEY }

    public enum Mode { SPLIT, FILTER }

    /**
     * @param key   the metadata key ({@code metadata} dimensions only)
     * @param value the one value a {@code filter} dimension applies to
     */
    public record Dimension(DimensionType type, String key, Mode mode, String value) {
        /** How the dimension names itself in bucket labels: {@code provider}, {@code metadata.team}. */
        public String label() {
            return type == DimensionType.METADATA ? "metadata." + key : type.name().toLowerCase(Locale.ROOT);
        }

        ObjectNode toJson() {
            ObjectNode o = Json.MAPPER.createObjectNode();
            o.put("type", type.name().toLowerCase(Locale.ROOT));
            if (key != null) {
                o.put("key", key);
            }
            o.put("mode", mode.name().toLowerCase(Locale.ROOT));
            if (value != null) {
                o.put("value", value);
            }
            return o;
        }
    }

    public boolean isSpend() {
        return measure == Measure.SPEND;
    }

    public ObjectNode toJson() {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("id", id);
        o.put(measure.limitField(), limit);
        o.put("window_seconds", windowSeconds);
        if (measure == Measure.TOKENS) {
            o.put("count", count.name().toLowerCase(Locale.ROOT));
        }
        ArrayNode dims = o.putArray("dimensions");
        dimensions.forEach(d -> dims.add(d.toJson()));
        o.put("enforcement", enforcement.name().toLowerCase(Locale.ROOT));
        ArrayNode alerts = o.putArray("alert_thresholds");
        alertThresholds.forEach(alerts::add);
        return o;
    }

    public static ArrayNode toJson(List<LimitRule> rules) {
        ArrayNode a = Json.MAPPER.createArrayNode();
        rules.forEach(r -> a.add(r.toJson()));
        return a;
    }

    /** A {@code spend_limits} or {@code token_limits} list; a 400 naming the field on anything invalid. */
    public static List<LimitRule> parseList(String field, JsonNode v, Measure measure) {
        if (v == null || v.isNull()) {
            return List.of();
        }
        if (!v.isArray() || v.size() > MAX_RULES) {
            throw bad(field, "must be an array of at most " + MAX_RULES + " rules");
        }
        List<LimitRule> rules = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < v.size(); i++) {
            LimitRule rule = parse(field + "[" + i + "]", v.get(i), measure);
            if (!ids.add(rule.id())) {
                throw bad(field + "[" + i + "].id", "'" + rule.id() + "' is used twice; rule ids must be unique");
            }
            rules.add(rule);
        }
        return List.copyOf(rules);
    }

    /** One rule: {@code {id, limit_usd | limit_tokens, window_seconds, [count], [dimensions]}}. */
    public static LimitRule parse(String field, JsonNode r, Measure measure) {
        if (r == null || !r.isObject()) {
            throw bad(field, "must be an object {\"id\", \"" + measure.limitField() + "\", \"window_seconds\", "
                    + "\"dimensions\"}");
        }
        r.fieldNames().forEachRemaining(name -> {
            if (!Set.of("id", measure.limitField(), "window_seconds", "count", "dimensions", "enforcement",
                    "alert_thresholds").contains(name)
                    || ("count".equals(name) && measure == Measure.SPEND)) {
                throw bad(field + "." + name, "is not a field of a " + (measure == Measure.SPEND ? "spend" : "token")
                        + " rule");
            }
        });
        String id = r.path("id").isTextual() ? r.path("id").asText() : "";
        if (!ID.matcher(id).matches()) {
            throw bad(field + ".id", "must be 1-80 letters, digits, '_', '-', '.' or ':'");
        }
        JsonNode limitNode = r.path(measure.limitField());
        if (!limitNode.isNumber() || limitNode.decimalValue().signum() <= 0
                || limitNode.decimalValue().compareTo(MAX_LIMIT) > 0
                || (measure == Measure.TOKENS && limitNode.decimalValue().stripTrailingZeros().scale() > 0)) {
            throw bad(field + "." + measure.limitField(), measure == Measure.SPEND
                    ? "must be a positive number of US dollars, for example 25 or 0.5"
                    : "must be a positive whole number of tokens");
        }
        JsonNode window = r.path("window_seconds");
        if (!window.isIntegralNumber() || !window.canConvertToInt() || window.intValue() < 1
                || window.intValue() > MAX_WINDOW_SECONDS) {
            throw bad(field + ".window_seconds", "must be a whole number of seconds from 1 to " + MAX_WINDOW_SECONDS
                    + " (86400 for a day)");
        }
        TokenCount count = TokenCount.TOTAL;
        if (r.has("count")) {
            String c = r.get("count").isTextual() ? r.get("count").asText() : "";
            count = switch (c) {
                case "total" -> TokenCount.TOTAL;
                case "input" -> TokenCount.INPUT;
                case "output" -> TokenCount.OUTPUT;
                default -> throw bad(field + ".count", "must be total, input or output");
            };
        }
        Enforcement enforcement = Enforcement.RESERVE;
        if (r.hasNonNull("enforcement")) {
            String e = r.get("enforcement").isTextual() ? r.get("enforcement").asText() : "";
            enforcement = switch (e) {
                case "reserve" -> Enforcement.RESERVE;
                case "observe" -> Enforcement.OBSERVE;
                default -> throw bad(field + ".enforcement", "must be reserve (an estimate is reserved before each "
                        + "call) or observe (no store call per request; exhausted buckets are refused within seconds)");
            };
        }
        return new LimitRule(id, measure, limitNode.decimalValue().stripTrailingZeros(), window.intValue(), count,
                dimensions(field + ".dimensions", r.get("dimensions")), enforcement,
                alertThresholds(field + ".alert_thresholds", r.get("alert_thresholds")));
    }

    private static List<Integer> alertThresholds(String field, JsonNode v) {
        if (v == null || v.isNull()) {
            return List.of();
        }
        if (!v.isArray() || v.size() > MAX_ALERTS) {
            throw bad(field, "must be an array of at most " + MAX_ALERTS + " percentages, for example [50, 80, 100]");
        }
        java.util.TreeSet<Integer> out = new java.util.TreeSet<>();
        for (JsonNode t : v) {
            if (!t.isIntegralNumber() || !t.canConvertToInt() || t.intValue() < 1 || t.intValue() > 1000
                    || !out.add(t.intValue())) {
                throw bad(field, "each threshold is a distinct whole percentage from 1 to 1000, for example [50, 80, 100]");
            }
        }
        return List.copyOf(out);
    }

    private static List<Dimension> dimensions(String field, JsonNode v) {
        if (v == null || v.isNull()) {
            return List.of();
        }
        if (!v.isArray() || v.size() > MAX_DIMENSIONS) {
            throw bad(field, "must be an array of at most " + MAX_DIMENSIONS + " dimensions");
        }
        List<Dimension> out = new ArrayList<>();
        Set<String> labels = new HashSet<>();
        for (int i = 0; i < v.size(); i++) {
            String f = field + "[" + i + "]";
            JsonNode d = v.get(i);
            if (!d.isObject()) {
                throw bad(f, "must be an object {\"type\": \"provider|model|metadata|key\", \"key\", \"mode\": "
                        + "\"split|filter\", \"value\"}");
            }
            String typeText = d.path("type").isTextual() ? d.path("type").asText() : "";
            DimensionType type = switch (typeText) {
                case "provider" -> DimensionType.PROVIDER;
                case "model" -> DimensionType.MODEL;
                case "metadata" -> DimensionType.METADATA;
                case "key" -> DimensionType.KEY;
                default -> throw bad(f + ".type", "must be provider, model, metadata or key");
            };
            String key = null;
            if (type == DimensionType.METADATA) {
                key = d.path("key").isTextual() ? d.path("key").asText() : "";
                if (!RuleScope.METADATA_KEY.matcher(key).matches()) {
                    throw bad(f + ".key", "must name the metadata key (1-64 letters, digits, '_', '.', '-'), "
                            + "for example \"team\"");
                }
            } else if (d.has("key")) {
                throw bad(f + ".key", "is only for metadata dimensions");
            }
            String modeText = d.has("mode") ? (d.get("mode").isTextual() ? d.get("mode").asText() : "") : "split";
            Mode mode = switch (modeText) {
                case "split" -> Mode.SPLIT;
                case "filter" -> Mode.FILTER;
                default -> throw bad(f + ".mode", "must be split (a bucket per value) or filter (one value)");
            };
            String value = null;
            if (mode == Mode.FILTER) {
                JsonNode valueNode = d.path("value");
                if (!valueNode.isValueNode() || valueNode.isNull() || valueNode.asText().isEmpty()
                        || valueNode.asText().length() > 256) {
                    throw bad(f + ".value", "a filter dimension needs the value it applies to (1-256 characters)");
                }
                value = valueNode.asText();
            } else if (d.has("value")) {
                throw bad(f + ".value", "is only for filter dimensions (mode: filter)");
            }
            Dimension dim = new Dimension(type, key, mode, value);
            if (!labels.add(dim.label())) {
                throw bad(f, "repeats dimension '" + dim.label() + "'");
            }
            out.add(dim);
        }
        return List.copyOf(out);
    }

    private static GatewayException bad(String field, String what) {
        return new GatewayException(ErrorCode.BAD_REQUEST, "Invalid '" + field + "': " + what + ".");
    }
}

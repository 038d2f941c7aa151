package io.aigateway.spend;

import io.aigateway.config.LimitRule;
import io.aigateway.core.Hashing;
import io.aigateway.store.Keys;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which budget buckets a request falls in: pure, so the check before the provider call and the count after it agree.
 * A rule applies unless a {@code filter} dimension names another value; each {@code split} dimension adds the
 * request's value to the bucket (a request without one shares the bucket of requests without one, so leaving a
 * value out never escapes a rule). Windows are fixed and aligned to the epoch.
 */
public final class Buckets {
    /** No value for a split dimension (no such metadata key, no key): one shared bucket. */
    public static final String NONE = "";

    private Buckets() {
    }

    /** What a request is, for bucketing: the provider and model actually called, its key and its metadata. */
    public record Facts(String provider, String model, String keyId, Map<String, Object> metadata) {
        String value(LimitRule.Dimension d) {
            return switch (d.type()) {
                case PROVIDER -> provider;
                case MODEL -> model;
                case KEY -> keyId;
                case METADATA -> metadata == null ? null : text(metadata.get(d.key()));
            };
        }
    }

    /**
     * One counter: {@code pk = SPEND#{gateway}#{rule}#{window start}}, {@code sk} a digest of the split values
     * (client-chosen values never form a table key; they are kept in the item's {@code labels}).
     *
     * @param labels       split dimension label to value ({@code metadata.team -> search}), in rule order
     * @param windowStart  epoch seconds
     * @param windowEnd    epoch seconds (exclusive)
     */
    public record Bucket(LimitRule rule, String pk, String sk, Map<String, String> labels, long windowStart,
                         long windowEnd) {
        String id() {
            return pk + "|" + sk;
        }
    }

    public static List<Bucket> of(String gateway, List<LimitRule> rules, Facts facts, long nowMillis) {
        List<Bucket> out = new ArrayList<>(rules.size());
        long now = Math.floorDiv(nowMillis, 1000);
        for (LimitRule rule : rules) {
            Map<String, String> labels = new LinkedHashMap<>();
            boolean applies = true;
            for (LimitRule.Dimension d : rule.dimensions()) {
                String value = facts.value(d);
                if (d.mode() == LimitRule.Mode.FILTER) {
                    applies &= d.value().equals(value);
                } else {
                    labels.put(d.label(), value == null ? NONE : value);
                }
            }
            if (!applies) {
                continue;
            }
            long start = Math.floorDiv(now, rule.windowSeconds()) * rule.windowSeconds();
            out.add(new Bucket(rule, pk(gateway, rule, start), sk(labels), Map.copyOf(labels), start,
                    start + rule.windowSeconds()));
        }
        return out;
    }

    static String pk(String gateway, LimitRule rule, long windowStart) {
        return Keys.spend(gateway, rule.id(), windowStart);
    }

    private static String sk(Map<String, String> labels) {
        if (labels.isEmpty()) {
            return "all";
        }
        StringBuilder b = new StringBuilder();
        labels.forEach((k, v) -> b.append(k).append('\u0000').append(v).append('\u0000'));
        return "b#" + Hashing.sha256Hex(b.toString());
    }

    /** Metadata values as one text form: {@code 1}, {@code 1.0} and {@code "1"} are one bucket. */
    static String text(Object value) {
        if (value == null) {
            return null;
        }
        if (value instanceof BigDecimal d) {
            return d.signum() == 0 ? "0" : d.stripTrailingZeros().toPlainString();
        }
        if (value instanceof Number n) {
            try {
                return text(new BigDecimal(n.toString()));
            } catch (NumberFormatException notFinite) {
                return n.toString();
            }
        }
        String s = value.toString().trim();
        if (s.isEmpty()) {
            return null;
        }
        try {
            if (s.length() <= 64 && (Character.isDigit(s.charAt(s.length() - 1)))) {
                return text(new BigDecimal(s));
            }
        } catch (NumberFormatException notANumber) {
            // text
        }
        return s;
    }
}

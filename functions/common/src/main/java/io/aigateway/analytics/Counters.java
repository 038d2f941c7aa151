package io.aigateway.analytics;

import com.fasterxml.jackson.databind.node.ObjectNode;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Map;
import java.util.TreeMap;

/** Summed rollup counters of any number of items (shards, hours, values). */
public final class Counters {
    long requests;

    long errors;
    long cached;
    long tokensIn;
    long tokensOut;
    long costUnknown;
    long durationMs;
    BigDecimal cost = BigDecimal.ZERO;
    BigDecimal costSaved = BigDecimal.ZERO;
    final TreeMap<Integer, Long> histogram = new TreeMap<>();

    /** Requests counted (all values, shards and hours added). */
    public long requests() {
        return requests;
    }

    /** One request, its latency in histogram {@code bucket}. */
    void add(io.aigateway.log.RequestLog log, int bucket) {
        requests++;
        errors += log.success() ? 0 : 1;
        cached += log.cached() ? 1 : 0;
        tokensIn += log.tokensIn() == null ? 0 : log.tokensIn();
        tokensOut += log.tokensOut() == null ? 0 : log.tokensOut();
        if (log.cost() == null) {
            costUnknown++;
        } else {
            cost = cost.add(BigDecimal.valueOf(log.cost()));
        }
        if (log.costSaved() != null) {
            costSaved = costSaved.add(BigDecimal.valueOf(log.costSaved()));
        }
        durationMs += Math.max(0, log.duration());
        histogram.merge(bucket, 1L, Long::sum);
    }

    void add(Map<String, AttributeValue> item) {
        requests += n(item, "requests");
        errors += n(item, "errors");
        cached += n(item, "cached");
        tokensIn += n(item, "tokens_in");
        tokensOut += n(item, "tokens_out");
        costUnknown += n(item, "cost_unknown");
        durationMs += n(item, "duration_ms");
        cost = cost.add(d(item, "cost"));
        costSaved = costSaved.add(d(item, "cost_saved"));
        item.forEach((name, v) -> {
            if (name.length() > 1 && name.charAt(0) == 'h' && Character.isDigit(name.charAt(1))) {
                histogram.merge(Integer.parseInt(name.substring(1)), Long.parseLong(v.n()), Long::sum);
            }
        });
    }

    void add(Counters other) {
        requests += other.requests;
        errors += other.errors;
        cached += other.cached;
        tokensIn += other.tokensIn;
        tokensOut += other.tokensOut;
        costUnknown += other.costUnknown;
        durationMs += other.durationMs;
        cost = cost.add(other.cost);
        costSaved = costSaved.add(other.costSaved);
        other.histogram.forEach((b, c) -> histogram.merge(b, c, Long::sum));
    }

    /** Latency at quantile q from the histogram: the upper bound of the bucket that holds it. */
    long percentile(double q) {
        long total = histogram.values().stream().mapToLong(Long::longValue).sum();
        if (total == 0) {
            return 0;
        }
        long rank = (long) Math.ceil(q * total);
        long seen = 0;
        for (Map.Entry<Integer, Long> e : histogram.entrySet()) {
            seen += e.getValue();
            if (seen >= rank) {
                return Math.round(Rollups.bucketUpper(e.getKey()));
            }
        }
        return Math.round(Rollups.bucketUpper(histogram.lastKey()));
    }

    void writeTo(ObjectNode o) {
        o.put("requests", requests);
        o.put("errors", errors);
        o.put("cached_requests", cached);
        o.put("tokens_in", tokensIn);
        o.put("tokens_out", tokensOut);
        o.put("cost", cost.setScale(6, RoundingMode.HALF_UP).doubleValue());
        o.put("cost_saved", costSaved.setScale(6, RoundingMode.HALF_UP).doubleValue());
        o.put("requests_without_price", costUnknown);
        o.put("latency_p50", percentile(0.50));
        o.put("latency_p95", percentile(0.95));
        o.put("latency_avg", requests == 0 ? 0 : durationMs / requests);
    }

    private static long n(Map<String, AttributeValue> item, String name) {
        AttributeValue v = item.get(name);
        return v == null || v.n() == null ? 0 : Long.parseLong(v.n());
    }

    private static BigDecimal d(Map<String, AttributeValue> item, String name) {
        AttributeValue v = item.get(name);
        return v == null || v.n() == null ? BigDecimal.ZERO : new BigDecimal(v.n());
    }
}

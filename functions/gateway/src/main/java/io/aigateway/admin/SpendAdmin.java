package io.aigateway.admin;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aigateway.auth.GatewayTokens;
import io.aigateway.config.GatewaySettings;
import io.aigateway.config.LimitRule;
import io.aigateway.config.VirtualKey;
import io.aigateway.core.GatewayResponse;
import io.aigateway.spend.SpendCounters;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code GET /api/v1/gateways/{id}/spend}: every budget rule of the gateway (its {@code spend_limits} and
 * {@code token_limits}, then each key's own budget and token limit) with its current window and every bucket that
 * has used something in it: the split values, used (settled by the ingest), reserved (held by requests in flight),
 * remaining (what can still be reserved) and exhausted.
 */
final class SpendAdmin {
    private final SpendCounters counters;
    private final GatewayTokens tokens;

    SpendAdmin(SpendCounters counters, GatewayTokens tokens) {
        this.counters = counters;
        this.tokens = tokens;
    }

    GatewayResponse handle(String gateway, GatewaySettings settings) {
        long now = System.currentTimeMillis();
        List<LimitRule> rules = new ArrayList<>(settings.governance().rules());
        for (VirtualKey key : tokens.list(gateway)) {
            rules.addAll(key.rules());
        }
        ObjectNode root = AdminApi.envelope();
        ArrayNode result = root.putArray("result");
        for (LimitRule rule : rules) {
            ObjectNode r = result.addObject();
            r.put("rule", rule.id());
            r.put("type", rule.isSpend() ? "spend" : "tokens");
            r.put(rule.measure().limitField(), rule.limit());
            if (!rule.isSpend()) {
                r.put("count", rule.count().name().toLowerCase());
            }
            r.put("window_seconds", rule.windowSeconds());
            long start = Math.floorDiv(now / 1000, rule.windowSeconds()) * rule.windowSeconds();
            r.put("window_start", Instant.ofEpochSecond(start).toString());
            r.put("window_end", Instant.ofEpochSecond(start + rule.windowSeconds()).toString());
            r.set("dimensions", rule.toJson().get("dimensions"));
            r.put("enforcement", rule.enforcement().name().toLowerCase());
            r.set("alert_thresholds", rule.toJson().get("alert_thresholds"));
            ArrayNode buckets = r.putArray("buckets");
            for (SpendCounters.Row row : counters.current(gateway, rule, now)) {
                ObjectNode b = buckets.addObject();
                ObjectNode values = b.putObject("values");
                row.labels().forEach(values::put);
                // used: settled by the ingest; reserved: held by requests in flight (or not ingested yet)
                BigDecimal settled = row.used().subtract(row.reserved());
                b.put("used", settled);
                b.put("reserved", row.reserved());
                BigDecimal remaining = rule.limit().subtract(row.used());
                b.put("remaining", remaining.signum() < 0 ? BigDecimal.ZERO : remaining);
                b.put("exhausted", settled.compareTo(rule.limit()) >= 0);
            }
        }
        root.putObject("result_info").put("count", result.size());
        return AdminApi.ok(root);
    }
}

package io.aigateway.budget;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aigateway.core.Json;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Map;

/**
 * A budget bucket reached {@code thresholdPercent} of its limit in its current window: sent once per window, bucket
 * and threshold ({@link Settlements}).
 *
 * @param used settled use (reservations still in flight are not counted)
 */
public record SpendAlert(String gateway, String rule, String measure, int thresholdPercent, BigDecimal limit,
                         BigDecimal used, long windowEnd, Map<String, String> labels) {

    /** A subject line within SNS's 100 characters. */
    public String subject() {
        String s = "AI Gateway " + gateway + ": " + rule + " at " + thresholdPercent + "% of its "
                + ("tokens".equals(measure) ? "token limit" : "budget");
        return s.length() <= 100 ? s : s.substring(0, 100);
    }

    public String toJson() {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("gateway", gateway);
        o.put("rule", rule);
        o.put("type", measure);
        o.put("threshold_percent", thresholdPercent);
        o.put("limit", limit);
        o.put("used", used);
        o.put("window_end", Instant.ofEpochSecond(windowEnd).toString());
        ObjectNode l = o.putObject("values");
        labels.forEach(l::put);
        return o.toString();
    }
}

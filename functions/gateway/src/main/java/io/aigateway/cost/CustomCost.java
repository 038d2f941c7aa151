package io.aigateway.cost;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import io.aigateway.core.ErrorCode;
import io.aigateway.core.GatewayException;
import io.aigateway.core.Json;

import java.io.IOException;
import java.math.BigDecimal;
import java.util.Set;

/**
 * The {@code cf-aig-custom-cost} request header: the caller's own prices, applied exactly (decimal arithmetic)
 * instead of the table's. Either per token, in USD per <b>single</b> token:
 * {@code {"per_token_in": 0.000001, "per_token_out": 0.000002, "per_cache_read_token": 0.0000001,
 * "per_cache_write_token": 0.00000125}} (cache prices default to {@code per_token_in}), or a flat
 * {@code {"total_cost": 0.05}} for the whole request.
 */
public record CustomCost(BigDecimal perTokenIn, BigDecimal perTokenOut, BigDecimal perCacheReadToken,
                         BigDecimal perCacheWriteToken, BigDecimal totalCost) {

    public static final String HEADER = "cf-aig-custom-cost";
    private static final int MAX_LENGTH = 1024;
    private static final Set<String> FIELDS = Set.of("per_token_in", "per_token_out", "per_cache_read_token",
            "per_cache_write_token", "total_cost");
    private static final String EXAMPLE = "{\"per_token_in\":0.000001,\"per_token_out\":0.000002} or {\"total_cost\":0.05}";
    private static final ObjectReader READER = Json.MAPPER.reader().with(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    /** A flat total. */
    public boolean isTotal() {
        return totalCost != null;
    }

    /**
     * Parses the header value; null or blank gives null (no custom cost).
     *
     * @throws GatewayException {@link ErrorCode#BAD_HEADER} saying what to change
     */
    public static CustomCost parse(String header) {
        if (header == null || header.isBlank()) {
            return null;
        }
        if (header.length() > MAX_LENGTH) {
            throw bad("is longer than " + MAX_LENGTH + " characters");
        }
        JsonNode node;
        try {
            node = READER.readTree(header);
        } catch (IOException e) {
            throw bad("is not valid JSON");
        }
        if (node == null || !node.isObject()) {
            throw bad("must be a JSON object");
        }
        for (var field : node.properties()) {
            if (!FIELDS.contains(field.getKey())) {
                throw bad("has an unknown field '" + field.getKey() + "'; allowed: per_token_in, per_token_out, "
                        + "per_cache_read_token, per_cache_write_token, total_cost");
            }
        }
        BigDecimal total = amount(node, "total_cost");
        BigDecimal in = amount(node, "per_token_in");
        BigDecimal out = amount(node, "per_token_out");
        BigDecimal read = amount(node, "per_cache_read_token");
        BigDecimal write = amount(node, "per_cache_write_token");
        if (total != null) {
            if (in != null || out != null || read != null || write != null) {
                throw bad("takes either total_cost or per-token prices, not both");
            }
            return new CustomCost(null, null, null, null, total);
        }
        if (in == null || out == null) {
            throw bad("needs both per_token_in and per_token_out (USD per token), or total_cost");
        }
        return new CustomCost(in, out, read, write, null);
    }

    private static BigDecimal amount(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null) {
            return null;
        }
        if (!v.isNumber()) {
            throw bad("field " + field + " must be a number in USD, got " + v);
        }
        if (!io.aigateway.core.RequestOptions.storableNumber(v) || v.decimalValue().abs().compareTo(MAX_AMOUNT) > 0) {
            throw new GatewayException(ErrorCode.NUMBER_OUT_OF_RANGE, HEADER + " field " + field + " "
                    + io.aigateway.store.DynamoNumbers.rule() + ", and at most 1E+100 USD; got " + v + ".");
        }
        BigDecimal d = v.decimalValue();
        if (d.signum() < 0) {
            throw bad("field " + field + " must not be negative, got " + v);
        }
        return d;
    }

    /** Keeps a cost (amount x tokens) within what DynamoDB stores. */
    private static final BigDecimal MAX_AMOUNT = new BigDecimal("1E+100");

    private static GatewayException bad(String what) {
        return new GatewayException(ErrorCode.BAD_HEADER,
                "Header " + HEADER + " " + what + ". Expected USD amounts, for example " + EXAMPLE + ".");
    }
}

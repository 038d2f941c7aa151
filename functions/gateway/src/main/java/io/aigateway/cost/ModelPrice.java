package io.aigateway.cost;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aigateway.core.ErrorCode;
import io.aigateway.core.GatewayException;
import io.aigateway.core.Json;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * One model's prices, in USD per million tokens (the unit every provider's pricing page uses).
 *
 * @param input        uncached input tokens
 * @param output       output tokens, reasoning included
 * @param cachedInput  input tokens read from the prompt cache; null: no discount known, {@code input} applies
 * @param cacheWrite   input tokens written to the prompt cache (Anthropic's 5-minute TTL); null: {@code input} applies
 * @param cacheWrite1h cache writes with Anthropic's one-hour TTL; null: {@code cacheWrite} applies
 * @param longContext  prices that replace these once a request's input exceeds {@code longContextAbove} tokens
 *                     (Gemini 2.5 Pro and Claude Sonnet 4 above 200k), or null
 * @param source       the public pricing page the figures come from (null for a gateway override)
 * @param asOf         when the figures were read from it
 */
public record ModelPrice(BigDecimal input, BigDecimal output, BigDecimal cachedInput, BigDecimal cacheWrite,
                         BigDecimal cacheWrite1h, long longContextAbove, ModelPrice longContext,
                         String source, String asOf) {

    /** A free model (OpenRouter {@code :free} variants). */
    public static final ModelPrice FREE = new ModelPrice(BigDecimal.ZERO, BigDecimal.ZERO, null, null, null, 0, null,
            null, null);

    private static final Set<String> PRICE_FIELDS = Set.of("input", "output", "cached_input", "cache_write",
            "cache_write_1h");
    private static final Set<String> META_FIELDS = Set.of("source", "as_of", "aliases", "verified", "note",
            "long_context");

    public ModelPrice {
        if (input == null || output == null) {
            throw new IllegalArgumentException("input and output prices are required");
        }
    }

    /** Plain prices, no cache rates, no long-context tier. */
    public static ModelPrice of(double input, double output) {
        return new ModelPrice(BigDecimal.valueOf(input), BigDecimal.valueOf(output), null, null, null, 0, null, null, null);
    }

    public static ModelPrice of(double input, double output, double cachedInput, double cacheWrite) {
        return new ModelPrice(BigDecimal.valueOf(input), BigDecimal.valueOf(output), BigDecimal.valueOf(cachedInput),
                BigDecimal.valueOf(cacheWrite), null, 0, null, null, null);
    }

    /** The cached-input price that applies ({@code input} when none is set). */
    public BigDecimal cachedInputOrInput() {
        return cachedInput != null ? cachedInput : input;
    }

    /** The cache-write price that applies ({@code input} when none is set). */
    public BigDecimal cacheWriteOrInput() {
        return cacheWrite != null ? cacheWrite : input;
    }

    /** The one-hour cache-write price that applies. */
    public BigDecimal cacheWrite1hOrDefault() {
        return cacheWrite1h != null ? cacheWrite1h : cacheWriteOrInput();
    }

    /** The prices for a request of {@code tokensIn} input tokens (the long-context tier above its threshold). */
    public ModelPrice forInputTokens(long tokensIn) {
        return longContext != null && tokensIn > longContextAbove ? longContext : this;
    }

    public ModelPrice withSource(String newSource, String newAsOf) {
        return new ModelPrice(input, output, cachedInput, cacheWrite, cacheWrite1h, longContextAbove,
                longContext == null ? null : longContext.withSource(newSource, newAsOf), newSource, newAsOf);
    }

    /**
     * Parses and validates one price object, e.g. a gateway's
     * {@code {"input": 0.15, "output": 0.6, "cached_input": 0.075, "cache_write": 0.1875}} (USD per million tokens).
     * {@code input} and {@code output} are required; every price is a number, zero or more; unknown fields are
     * refused (a typo would otherwise silently price at the full input rate). Also accepted, as in pricing.json:
     * {@code cache_write_1h}, {@code long_context {"above_input_tokens": n, ...prices}}, {@code source}, {@code as_of}.
     *
     * @throws IllegalArgumentException saying what is wrong
     */
    public static ModelPrice fromJson(JsonNode node) {
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException("a price must be a JSON object like "
                    + "{\"input\": 0.15, \"output\": 0.6, \"cached_input\": 0.075, \"cache_write\": 0.1875} (USD per million tokens)");
        }
        for (var field : node.properties()) {
            if (!PRICE_FIELDS.contains(field.getKey()) && !META_FIELDS.contains(field.getKey())) {
                throw new IllegalArgumentException("unknown field '" + field.getKey()
                        + "'; expected input, output, cached_input, cache_write, cache_write_1h (USD per million tokens)");
            }
        }
        BigDecimal input = price(node, "input", true);
        BigDecimal output = price(node, "output", true);
        long above = 0;
        ModelPrice longContext = null;
        JsonNode lc = node.get("long_context");
        if (lc != null && !lc.isNull()) {
            if (!lc.isObject() || !lc.path("above_input_tokens").canConvertToLong()
                    || lc.get("above_input_tokens").asLong() <= 0) {
                throw new IllegalArgumentException("long_context must be an object with a positive whole "
                        + "'above_input_tokens' and its own input and output prices");
            }
            above = lc.get("above_input_tokens").asLong();
            ObjectNode copy = ((ObjectNode) lc).deepCopy();
            copy.remove("above_input_tokens");
            try {
                longContext = fromJson(copy);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("long_context: " + e.getMessage());
            }
        }
        return new ModelPrice(input, output, price(node, "cached_input", false), price(node, "cache_write", false),
                price(node, "cache_write_1h", false), above, longContext, text(node, "source"), text(node, "as_of"));
    }

    /**
     * Parses a gateway's {@code price_overrides} setting: an object of model id to price object. Model ids are
     * matched like the built-in table's (exact, then dated snapshots of the id).
     *
     * @throws GatewayException {@link ErrorCode#BAD_REQUEST} naming the model and what is wrong
     */
    public static Map<String, ModelPrice> overridesFromJson(JsonNode node) {
        if (node == null || node.isNull()) {
            return Map.of();
        }
        if (!node.isObject()) {
            throw new GatewayException(ErrorCode.BAD_REQUEST, "Invalid setting 'price_overrides': must be an object of "
                    + "model id to prices, e.g. {\"gpt-4o-mini\": {\"input\": 0.15, \"output\": 0.6}} (USD per million tokens).");
        }
        Map<String, ModelPrice> out = new LinkedHashMap<>();
        for (var field : node.properties()) {
            String model = field.getKey().trim();
            if (model.isEmpty() || model.length() > 200) {
                throw new GatewayException(ErrorCode.BAD_REQUEST,
                        "Invalid setting 'price_overrides': model ids must be 1 to 200 characters.");
            }
            try {
                out.put(model, fromJson(field.getValue()));
            } catch (IllegalArgumentException e) {
                throw new GatewayException(ErrorCode.BAD_REQUEST,
                        "Invalid setting 'price_overrides' for model '" + model + "': " + e.getMessage() + ".");
            }
        }
        return Map.copyOf(out);
    }

    /** The JSON form {@link #fromJson(JsonNode)} reads (prices only, plus source/as_of when set). */
    public ObjectNode toJson() {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("input", input);
        o.put("output", output);
        if (cachedInput != null) {
            o.put("cached_input", cachedInput);
        }
        if (cacheWrite != null) {
            o.put("cache_write", cacheWrite);
        }
        if (cacheWrite1h != null) {
            o.put("cache_write_1h", cacheWrite1h);
        }
        if (longContext != null) {
            ObjectNode lc = longContext.toJson();
            lc.remove("source");
            lc.remove("as_of");
            lc.put("above_input_tokens", longContextAbove);
            o.set("long_context", lc);
        }
        if (source != null) {
            o.put("source", source);
        }
        if (asOf != null) {
            o.put("as_of", asOf);
        }
        return o;
    }

    /** The JSON form of a {@code price_overrides} map. */
    public static ObjectNode overridesToJson(Map<String, ModelPrice> overrides) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        overrides.forEach((model, price) -> o.set(model, price.toJson()));
        return o;
    }

    private static BigDecimal price(JsonNode node, String field, boolean required) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            if (required) {
                throw new IllegalArgumentException("'" + field + "' is required (USD per million tokens)");
            }
            return null;
        }
        if (!v.isNumber()) {
            throw new IllegalArgumentException("'" + field + "' must be a number (USD per million tokens), got " + v);
        }
        if ((v.isDouble() || v.isFloat()) && !Double.isFinite(v.doubleValue())) {
            throw new IllegalArgumentException("'" + field + "' must be finite");
        }
        BigDecimal d = v.decimalValue();
        if (d.signum() < 0) {
            throw new IllegalArgumentException("'" + field + "' must not be negative, got " + v);
        }
        return d;
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v != null && v.isTextual() ? v.asText() : null;
    }
}

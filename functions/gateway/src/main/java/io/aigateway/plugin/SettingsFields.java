package io.aigateway.plugin;

import com.fasterxml.jackson.databind.JsonNode;
import io.aigateway.core.ErrorCode;
import io.aigateway.core.GatewayException;

import java.math.BigDecimal;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/** Field readers for the {@code plugins} and {@code hooks} settings, in GatewaySettings' style: each bad field a 400 naming it. */
final class SettingsFields {
    private SettingsFields() {
    }

    static GatewayException bad(String field, String what) {
        return new GatewayException(ErrorCode.BAD_REQUEST, "Invalid setting '" + field + "': " + what + ".");
    }

    static boolean absent(JsonNode v) {
        return v == null || v.isMissingNode() || v.isNull();
    }

    static String text(String field, JsonNode v) {
        if (v == null || !v.isTextual()) {
            throw bad(field, "must be a string");
        }
        return v.asText();
    }

    /** A JSON number with a whole value that fits an int; strings and fractions are refused, never coerced. */
    static int integer(String field, JsonNode v) {
        if (v == null || !v.isNumber()) {
            throw bad(field, "must be a whole number (a JSON number, not a string)");
        }
        if (v.isIntegralNumber()) {
            if (!v.canConvertToInt()) {
                throw bad(field, "must be a whole number from " + Integer.MIN_VALUE + " to " + Integer.MAX_VALUE);
            }
            return v.intValue();
        }
        if ((v.isDouble() || v.isFloat()) && !Double.isFinite(v.doubleValue())) {
            throw bad(field, "must be a whole number, got " + v);
        }
        BigDecimal d = v.decimalValue();
        if (d.signum() != 0 && d.stripTrailingZeros().scale() > 0) {
            throw bad(field, "must be a whole number, got " + v);
        }
        try {
            return d.intValueExact();
        } catch (ArithmeticException e) {
            throw bad(field, "must be a whole number from " + Integer.MIN_VALUE + " to " + Integer.MAX_VALUE);
        }
    }

    /** Refuses members other than {@code known}, naming the first stranger. */
    static void onlyFields(String field, JsonNode object, Set<String> known) {
        Iterator<Map.Entry<String, JsonNode>> it = object.properties().iterator();
        while (it.hasNext()) {
            String name = it.next().getKey();
            if (!known.contains(name)) {
                throw bad(field + "." + name, "is not a field here (known: " + String.join(", ", known) + ")");
            }
        }
    }
}

package io.aigateway.store;

import java.math.BigDecimal;

/**
 * DynamoDB's rules for a number, checked where numbers enter from clients (metadata, custom cost, feedback), so a
 * value the store would reject is refused with a clear 400 at the edge instead of failing a whole batch later.
 */
public final class DynamoNumbers {
    private static final BigDecimal MIN_MAGNITUDE = new BigDecimal("1E-130");
    private static final BigDecimal MAX_MAGNITUDE = new BigDecimal("9.9999999999999999999999999999999999999E+125");
    private static final int MAX_DIGITS = 38;

    private DynamoNumbers() {
    }

    /** 0, or a magnitude in [1E-130, 9.99..9E+125] with at most 38 significant digits. */
    public static boolean storable(BigDecimal value) {
        if (value == null) {
            return false;
        }
        if (value.signum() == 0) {
            return true;
        }
        BigDecimal abs = value.abs();
        return abs.compareTo(MIN_MAGNITUDE) >= 0 && abs.compareTo(MAX_MAGNITUDE) <= 0
                && value.stripTrailingZeros().precision() <= MAX_DIGITS;
    }

    /** The same for a double: finite first. */
    public static boolean storable(double value) {
        return Double.isFinite(value) && storable(BigDecimal.valueOf(value));
    }

    /** What to tell a client whose number failed {@link #storable}. */
    public static String rule() {
        return "must be finite and either 0 or between 1E-130 and 9.99E+125 in magnitude, with at most 38 significant"
                + " digits";
    }
}

package io.aigateway.cost;

import io.aigateway.core.ErrorCode;
import io.aigateway.core.GatewayException;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CustomCostTest {

    @Test
    void perTokenPricesKeepEveryDigit() {
        CustomCost c = CustomCost.parse(" {\"per_token_in\": 0.0000001234567, \"per_token_out\": 1e-6} ");
        assertEquals(new BigDecimal("0.0000001234567"), c.perTokenIn());
        assertEquals(0, new BigDecimal("0.000001").compareTo(c.perTokenOut()));
        assertNull(c.perCacheReadToken());
        assertFalse(c.isTotal());
    }

    @Test
    void cachePricesAndTotal() {
        CustomCost c = CustomCost.parse("{\"per_token_in\":1,\"per_token_out\":2,\"per_cache_read_token\":0.1,\"per_cache_write_token\":1.25}");
        assertEquals(0, new BigDecimal("1.25").compareTo(c.perCacheWriteToken()));
        CustomCost t = CustomCost.parse("{\"total_cost\":0}");
        assertTrue(t.isTotal());
        assertEquals(0, BigDecimal.ZERO.compareTo(t.totalCost()));
    }

    @Test
    void absentHeaderIsNoCustomCost() {
        assertNull(CustomCost.parse(null));
        assertNull(CustomCost.parse("  "));
    }

    @Test
    void badValuesAreA400NamingTheHeader() {
        String[] bad = {
                "not json",
                "[1,2]",
                "{\"per_token_in\":0.1}",
                "{\"per_token_out\":0.1}",
                "{\"per_token_in\":\"0.1\",\"per_token_out\":0.2}",
                "{\"per_token_in\":-0.1,\"per_token_out\":0.2}",
                "{\"total_cost\":1,\"per_token_in\":0.1}",
                "{\"total_cost\":-1}",
                "{\"per_token_input\":0.1,\"per_token_out\":0.2}",
                "{}",
                "{\"total_cost\":1" + " ".repeat(2000) + "}"
        };
        for (String value : bad) {
            GatewayException e = assertThrows(GatewayException.class, () -> CustomCost.parse(value), value);
            assertEquals(ErrorCode.BAD_HEADER, e.code());
            assertEquals(400, e.code().status());
            assertTrue(e.getMessage().startsWith("Header cf-aig-custom-cost "), e.getMessage());
            assertTrue(e.getMessage().contains("per_token_in"), "the message shows a valid example: " + e.getMessage());
        }
        assertTrue(assertThrows(GatewayException.class, () -> CustomCost.parse("{\"per_token_input\":1,\"per_token_out\":1}"))
                .getMessage().contains("unknown field 'per_token_input'"));
    }
}

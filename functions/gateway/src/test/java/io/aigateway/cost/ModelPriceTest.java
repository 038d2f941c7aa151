package io.aigateway.cost;

import com.fasterxml.jackson.databind.JsonNode;
import io.aigateway.core.ErrorCode;
import io.aigateway.core.GatewayException;
import io.aigateway.core.Json;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelPriceTest {

    private static JsonNode json(String s) throws Exception {
        return Json.MAPPER.readTree(s);
    }

    @Test
    void parsesTheSettingsShapeAndRoundTrips() throws Exception {
        ModelPrice p = ModelPrice.fromJson(json("{\"input\": 0.15, \"output\": 0.6, \"cached_input\": 0.075, \"cache_write\": 0.1875}"));
        assertEquals(0, new BigDecimal("0.15").compareTo(p.input()));
        assertEquals(0, new BigDecimal("0.1875").compareTo(p.cacheWrite()));
        assertEquals(p.cacheWrite(), p.cacheWrite1hOrDefault());
        assertEquals(p, ModelPrice.fromJson(p.toJson()));

        ModelPrice minimal = ModelPrice.fromJson(json("{\"input\": 1, \"output\": 2}"));
        assertNull(minimal.cachedInput());
        assertEquals(minimal.input(), minimal.cachedInputOrInput());
        assertEquals(minimal.input(), minimal.cacheWriteOrInput());
    }

    @Test
    void longContextTier() throws Exception {
        ModelPrice p = ModelPrice.fromJson(json("{\"input\":1,\"output\":2,\"long_context\":{\"above_input_tokens\":1000,\"input\":3,\"output\":4}}"));
        assertSame(p, p.forInputTokens(1000));
        assertEquals(0, new BigDecimal("3").compareTo(p.forInputTokens(1001).input()));
        assertEquals(p, ModelPrice.fromJson(p.toJson()));
    }

    @Test
    void rejectsWhatWouldMisprice() throws Exception {
        String[] bad = {
                "[]", "{\"output\":1}", "{\"input\":1}", "{\"input\":\"1\",\"output\":1}", "{\"input\":-1,\"output\":1}",
                "{\"input\":1,\"output\":1,\"cached\":0.5}", "{\"input\":1,\"output\":1,\"long_context\":{\"input\":1,\"output\":1}}"
        };
        for (String s : bad) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelPrice.fromJson(json(s)), s);
            assertTrue(e.getMessage().length() > 10, e.getMessage());
        }
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> ModelPrice.fromJson(json("{\"input\":1,\"output\":1,\"cached\":0.5}"))).getMessage().contains("'cached'"));
    }

    @Test
    void overridesSetting() throws Exception {
        Map<String, ModelPrice> o = ModelPrice.overridesFromJson(json(
                "{\"gpt-4o-mini\": {\"input\": 0.15, \"output\": 0.6, \"cached_input\": 0.075, \"cache_write\": 0.1875}}"));
        assertEquals(1, o.size());
        assertEquals(o, ModelPrice.overridesFromJson(ModelPrice.overridesToJson(o)));
        assertEquals(Map.of(), ModelPrice.overridesFromJson(null));

        GatewayException e = assertThrows(GatewayException.class,
                () -> ModelPrice.overridesFromJson(json("{\"gpt-4o\": {\"input\": -1, \"output\": 1}}")));
        assertEquals(ErrorCode.BAD_REQUEST, e.code());
        assertTrue(e.getMessage().contains("price_overrides") && e.getMessage().contains("gpt-4o"), e.getMessage());
        assertEquals(ErrorCode.BAD_REQUEST,
                assertThrows(GatewayException.class, () -> ModelPrice.overridesFromJson(json("[1]"))).code());
    }
}

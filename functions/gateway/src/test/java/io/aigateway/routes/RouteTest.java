package io.aigateway.routes;

import com.fasterxml.jackson.databind.JsonNode;
import io.aigateway.core.Json;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Route validation on save, conditions, and percentage splits (statistically, with a seeded generator). */
class RouteTest {
    static final Set<String> PROVIDERS = Set.of("anthropic", "google-ai-studio", "groq");

    static JsonNode json(String s) {
        try {
            return Json.MAPPER.readTree(s);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    static Route parse(String elements) {
        return Route.parse("r1", 1, json("{\"elements\": " + elements + "}"), 0, PROVIDERS::contains);
    }

    static String message(String elements) {
        return assertThrows(RouteException.class, () -> parse(elements)).getMessage();
    }

    static final String MODEL_A = """
            {"id":"a","type":"model","properties":{"provider":"anthropic","model":"claude-sonnet-4-5"},
             "outputs":{"success":{"elementId":"end"},"fallback":{"elementId":"b"}}}""";
    static final String MODEL_B = """
            {"id":"b","type":"model","properties":{"provider":"google-ai-studio","model":"gemini-2.5-flash","timeout":30000,"retries":1},
             "outputs":{"success":{"elementId":"end"}}}""";
    static final String END = "{\"id\":\"end\",\"type\":\"end\"}";

    @Test
    void aValidRouteParsesWithEveryElementType() {
        Route r = parse("[{\"id\":\"start\",\"type\":\"start\",\"outputs\":{\"next\":{\"elementId\":\"if\"}}},"
                + "{\"id\":\"if\",\"type\":\"conditional\",\"properties\":{\"conditions\":{\"metadata.plan\":{\"$eq\":\"free\"}}},"
                + "\"outputs\":{\"true\":{\"elementId\":\"rl\"},\"false\":{\"elementId\":\"split\"}}},"
                + "{\"id\":\"rl\",\"type\":\"rate_limit\",\"properties\":{\"limitType\":\"count\",\"key\":\"metadata.user\",\"limit\":5,\"interval\":60,\"technique\":\"sliding\"},"
                + "\"outputs\":{\"success\":{\"elementId\":\"a\"},\"fallback\":{\"elementId\":\"b\"}}},"
                + "{\"id\":\"split\",\"type\":\"percentage\",\"outputs\":{\"10%\":{\"elementId\":\"a\"},\"else\":{\"elementId\":\"b\"}}},"
                + MODEL_A + "," + MODEL_B + "," + END + "]");
        assertEquals("start", r.start());
        assertEquals(7, r.elements().size());
        RouteElement.Model b = (RouteElement.Model) r.element("b");
        assertEquals(30000, b.timeoutMillis());
        assertEquals(1, b.retries());
        assertEquals(-1, ((RouteElement.Model) r.element("a")).retries());
    }

    @Test
    void invalidRoutesAreRefusedSayingWhatToChange() {
        String start = "{\"id\":\"start\",\"type\":\"start\",\"outputs\":{\"next\":{\"elementId\":\"a\"}}}";
        assertTrue(message("[" + MODEL_A + "," + MODEL_B + "," + END + "]").contains("start element"));
        assertTrue(message("[" + start + "," + start.replace("\"start\",\"type\"", "\"s2\",\"type\"") + ","
                + MODEL_A + "," + MODEL_B + "," + END + "]").contains("exactly one start"));
        assertTrue(message("[" + start + "," + MODEL_A + "," + END + "]").contains("'b', which is no element"));
        assertTrue(message("[" + start + "," + MODEL_A + "," + MODEL_B + "," + END + ",{\"id\":\"lost\",\"type\":\"end\"}]")
                .contains("'lost' cannot be reached"));
        // a cycle: b falls back to a, a to b
        String cyclicB = MODEL_B.replace("\"success\":{\"elementId\":\"end\"}}",
                "\"success\":{\"elementId\":\"end\"},\"fallback\":{\"elementId\":\"a\"}}");
        assertTrue(message("[" + start + "," + MODEL_A + "," + cyclicB + "," + END + "]").contains("cycle"));
        assertTrue(message("[" + start + "," + MODEL_A.replace("anthropic", "nope") + "," + MODEL_B + "," + END + "]")
                .contains("provider 'nope'"));
        assertTrue(message("[" + start + "," + MODEL_A.replace("\"success\":{\"elementId\":\"end\"}",
                "\"success\":{\"elementId\":\"b\"}") + "," + MODEL_B + "," + END + "]").contains("must lead to an end"));
        assertTrue(message("[" + start + ",{\"id\":\"a\",\"type\":\"teleport\"}]").contains("type 'teleport'"));
    }

    @Test
    void percentagesMustAddUp() {
        String start = "{\"id\":\"start\",\"type\":\"start\",\"outputs\":{\"next\":{\"elementId\":\"p\"}}}";
        String tail = "," + MODEL_A + "," + MODEL_B + "," + END + "]";
        assertTrue(message("[" + start + ",{\"id\":\"p\",\"type\":\"percentage\",\"outputs\":{\"60%\":{\"elementId\":\"a\"},"
                + "\"50%\":{\"elementId\":\"b\"}}}" + tail).contains("110%, more than 100%"));
        assertTrue(message("[" + start + ",{\"id\":\"p\",\"type\":\"percentage\",\"outputs\":{\"60%\":{\"elementId\":\"a\"},"
                + "\"30%\":{\"elementId\":\"b\"}}}" + tail).contains("add an \"else\""));
        assertTrue(message("[" + start + ",{\"id\":\"p\",\"type\":\"percentage\",\"outputs\":{\"60%\":{\"elementId\":\"a\"},"
                + "\"40%\":{\"elementId\":\"b\"},\"else\":{\"elementId\":\"b\"}}}" + tail).contains("can never be taken"));
        assertTrue(message("[" + start + ",{\"id\":\"p\",\"type\":\"percentage\",\"outputs\":{\"1%\":{\"elementId\":\"a\"},"
                + "\"2%\":{\"elementId\":\"a\"},\"3%\":{\"elementId\":\"a\"},\"4%\":{\"elementId\":\"a\"},\"5%\":{\"elementId\":\"a\"},"
                + "\"6%\":{\"elementId\":\"a\"},\"else\":{\"elementId\":\"b\"}}}" + tail).contains("1-5 percentage outputs"));
        assertTrue(message("[" + start + ",{\"id\":\"p\",\"type\":\"percentage\",\"outputs\":{\"half\":{\"elementId\":\"a\"},"
                + "\"else\":{\"elementId\":\"b\"}}}" + tail).contains("'half'"));
        parse("[" + start + ",{\"id\":\"p\",\"type\":\"percentage\",\"outputs\":{\"33.33%\":{\"elementId\":\"a\"},"
                + "\"66.67%\":{\"elementId\":\"b\"}}}" + tail);
    }

    @Test
    void aCostLimitIsRefusedRatherThanIgnored() {
        String start = "{\"id\":\"start\",\"type\":\"start\",\"outputs\":{\"next\":{\"elementId\":\"rl\"}}}";
        assertTrue(message("[" + start + ",{\"id\":\"rl\",\"type\":\"rate_limit\",\"properties\":{\"limitType\":\"cost\","
                + "\"limit\":5,\"interval\":60},\"outputs\":{\"success\":{\"elementId\":\"a\"}}}," + MODEL_A + ","
                + MODEL_B + "," + END + "]").contains("limitType 'cost'"));
    }

    @Test
    void conditionsUseMongoOperatorsOnMetadataAndBody() {
        Map<String, JsonNode> request = new HashMap<>();
        request.put("metadata.plan", json("\"free\""));
        request.put("metadata.tier", json("3"));
        request.put("body.user", json("\"u-1\""));
        java.util.function.Function<String, JsonNode> fields = request::get;

        assertTrue(Condition.parse(json("{\"metadata.plan\":{\"$eq\":\"free\"}}"), "c").test(fields));
        assertTrue(Condition.parse(json("{\"metadata.plan\":\"free\"}"), "c").test(fields));
        assertFalse(Condition.parse(json("{\"metadata.plan\":{\"$ne\":\"free\"}}"), "c").test(fields));
        assertTrue(Condition.parse(json("{\"metadata.plan\":{\"$in\":[\"free\",\"trial\"]}}"), "c").test(fields));
        assertTrue(Condition.parse(json("{\"metadata.tier\":{\"$gte\":3.0,\"$lt\":4}}"), "c").test(fields));
        assertFalse(Condition.parse(json("{\"metadata.tier\":{\"$gt\":3}}"), "c").test(fields));
        assertTrue(Condition.parse(json("{\"metadata.team\":{\"$exists\":false}}"), "c").test(fields));
        assertTrue(Condition.parse(json("{\"$or\":[{\"metadata.plan\":\"paid\"},{\"body.user\":\"u-1\"}]}"), "c").test(fields));
        assertFalse(Condition.parse(json("{\"$and\":[{\"metadata.plan\":\"free\"},{\"body.user\":\"u-2\"}]}"), "c").test(fields));
        assertTrue(Condition.parse(json("{\"$nor\":[{\"metadata.plan\":\"paid\"}]}"), "c").test(fields));
        assertTrue(Condition.parse(json("{\"metadata.tier\":3}"), "c").test(fields), "3 and 3 compare as numbers");

        assertThrows(RouteException.class, () -> Condition.parse(json("{\"metadata.plan\":{\"$regex\":\"f\"}}"), "c"));
        assertThrows(RouteException.class, () -> Condition.parse(json("{\"headers.x\":\"y\"}"), "c"));
        assertThrows(RouteException.class, () -> Condition.parse(json("{\"$or\":{}}"), "c"));
        assertThrows(RouteException.class, () -> Condition.parse(json("{\"metadata.tier\":{\"$gt\":\"3\"}}"), "c"));
    }

    /**
     * 200,000 draws with a seeded generator: each output's count is within 4.5 standard deviations of its share, and
     * Pearson's chi-square over the outputs stays under the 0.999 quantile for 3 degrees of freedom (16.27).
     */
    @Test
    void percentageSplitsFollowTheirSharesStatistically() {
        RouteElement.Percentage p = new RouteElement.Percentage("p", java.util.List.of(
                new RouteElement.Percentage.Split("10%", 1000, "a"),
                new RouteElement.Percentage.Split("25.5%", 2550, "b"),
                new RouteElement.Percentage.Split("4.5%", 450, "c")), "rest");
        Map<String, Double> share = Map.of("a", 0.10, "b", 0.255, "c", 0.045, "rest", 0.60);
        Random seeded = new Random(20250101L);
        int n = 200_000;
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < n; i++) {
            counts.merge(p.pick(seeded), 1, Integer::sum);
        }
        double chi2 = 0;
        for (Map.Entry<String, Double> e : share.entrySet()) {
            double expected = n * e.getValue();
            double sd = Math.sqrt(n * e.getValue() * (1 - e.getValue()));
            int seen = counts.getOrDefault(e.getKey(), 0);
            assertTrue(Math.abs(seen - expected) < 4.5 * sd, e.getKey() + ": " + seen + " vs " + expected);
            chi2 += (seen - expected) * (seen - expected) / expected;
        }
        assertTrue(chi2 < 16.27, "chi-square " + chi2);
        // and a biased split is caught by the same test: 10% drawn as 11% is far outside
        assertTrue(Math.abs(0.11 * n - 0.10 * n) > 4.5 * Math.sqrt(n * 0.1 * 0.9));
    }

    @Test
    void aSplitAddingUpTo100PercentNeverFallsOffTheEnd() {
        RouteElement.Percentage p = new RouteElement.Percentage("p", java.util.List.of(
                new RouteElement.Percentage.Split("50%", 5000, "a"),
                new RouteElement.Percentage.Split("50%", 5000, "b")), null);
        Random seeded = new Random(7);
        for (int i = 0; i < 10_000; i++) {
            assertTrue(Set.of("a", "b").contains(p.pick(seeded)));
        }
    }
}

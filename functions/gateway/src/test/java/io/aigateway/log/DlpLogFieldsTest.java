package io.aigateway.log;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aigateway.core.Json;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** dlp_action and dlp_findings survive every form a log takes, and records written before them still read. */
class DlpLogFieldsTest {
    private static RequestLog log(String action, Map<String, Integer> findings) {
        long now = System.currentTimeMillis();
        return RequestLog.builder().id(new LogIds().next(now)).createdAt(now).gateway("g").provider("openai")
                .model("gpt-4o-mini").method("POST").path("/v1/a/g/openai/x").statusCode(400).duration(5)
                .timeToFirstByte(5).requestSize(10).responseSize(10).attempts(1).errorCode(2029)
                .outcome("dlp_request_blocked").expiresAt(now / 1000 + 3600).dlpAction(action).dlpFindings(findings)
                .build();
    }

    @Test
    void roundTripsThroughTheLineAndTheItem() {
        RequestLog original = log("BLOCK", Map.of("credit_card", 1, "email", 2));
        RequestLog viaJson = LogJson.fromJson(LogJson.toJson(original));
        assertEquals("BLOCK", viaJson.dlpAction());
        assertEquals(Map.of("credit_card", 1, "email", 2), viaJson.dlpFindings());
        RequestLog viaItem = LogStore.fromItem(LogStore.toItem(original, "20250101"));
        assertEquals("BLOCK", viaItem.dlpAction());
        assertEquals(Map.of("credit_card", 1, "email", 2), viaItem.dlpFindings());
    }

    @Test
    void recordsWithoutTheFieldsStillRead() {
        ObjectNode old = LogJson.toJson(log(null, Map.of()));
        old.remove("dlp_action");
        old.remove("dlp_findings");
        RequestLog read = LogJson.fromJson(old);
        assertNull(read.dlpAction());
        assertTrue(read.dlpFindings().isEmpty());
        var item = LogStore.toItem(log(null, Map.of()), "20250101");
        assertTrue(!item.containsKey("dlp_action") && !item.containsKey("dlp_findings"), "nothing stored when none");
        assertNull(LogStore.fromItem(item).dlpAction());
        assertEquals("{}", Json.MAPPER.valueToTree(read.dlpFindings()).toString());
    }
}

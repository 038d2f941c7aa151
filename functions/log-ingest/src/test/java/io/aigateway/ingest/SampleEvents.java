package io.aigateway.ingest;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aigateway.core.Json;
import io.aigateway.log.LogPayload;
import io.aigateway.log.RequestLog;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/**
 * Writes the CloudWatch Logs subscription samples in events/ (run once; the tests read the committed files):
 * <pre>mvn -pl functions/log-ingest -am test-compile exec:java ... or run main from an IDE, with the repo root as argument</pre>
 * The record lines have exactly the shape the gateway prints: EMF members and the log under "aigw"/"log".
 */
public final class SampleEvents {
    static final long CREATED = 1_796_000_000_000L; // 2026-11-29
    static final long EXPIRES = 2_100_000_000L;      // 2036

    private SampleEvents() {
    }

    public static void main(String[] args) throws Exception {
        Path events = Path.of(args.length > 0 ? args[0] : ".").resolve("events");
        Files.writeString(events.resolve("cloudwatch-logs-records.json"), event("2026/11/29/[$LATEST]0a1b2c3d", records(false)));
        Files.writeString(events.resolve("cloudwatch-logs-poisoned.json"), event("2026/11/29/[$LATEST]4e5f6a7b", records(true)));
    }

    static RequestLog log(int i, Map<String, Object> metadata) {
        String id = new io.aigateway.log.LogIds().next(CREATED + i * 1000L);
        return new RequestLog(id, CREATED + i * 1000L, "sample", i % 2 == 0 ? "openai" : "anthropic",
                i % 2 == 0 ? "gpt-4o-mini" : "claude-sonnet-4-5", "POST", "/v1/acct/sample/openai/chat/completions",
                200, true, false, i % 3 == 0, 420 + i, 300, 400, 12L, 34L, metadata, null, "openai-python/2.0", 120, 480,
                "{\"model\":\"gpt-4o-mini\"}", "{\"id\":\"chatcmpl-1\"}", 1, null, "ok", null, List.of(), null,
                0.000021, null, false, null, null, EXPIRES);
    }

    /** Lines as the gateway prints them; with {@code poisoned}, one unreadable record and one DynamoDB rejects. */
    static List<String> records(boolean poisoned) {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            Map<String, Object> meta = poisoned && i == 4 ? Map.of("team", "a", "n", new java.math.BigDecimal("1E+308"))
                    : Map.of("team", i < 5 ? "a" : "b");
            RequestLog log = log(i, meta);
            ObjectNode emf = Json.MAPPER.createObjectNode();
            ObjectNode aws = emf.putObject("_aws");
            aws.put("Timestamp", log.createdAt());
            ObjectNode directive = aws.putArray("CloudWatchMetrics").addObject();
            directive.put("Namespace", "AIGateway");
            directive.putArray("Dimensions").addArray().add("Gateway");
            ((ArrayNode) directive.putArray("Metrics")).addObject().put("Name", "Requests").put("Unit", "Count");
            emf.put("Gateway", "sample");
            emf.put("Requests", 1);
            RecordFormat.putLog(emf, log);
            lines.add(emf.toString());
            if (i == 1) {
                lines.addAll(RecordFormat.bodyLines(log, LogPayload.of("{\"model\":\"gpt-4o-mini\",\"messages\":[]}"
                        .getBytes(StandardCharsets.UTF_8), "{\"id\":\"chatcmpl-1\"}".getBytes(StandardCharsets.UTF_8))));
            }
        }
        if (poisoned) {
            lines.add(5, "{\"aigw\":\"log\",\"log\":{\"id\":\"not-a-log-id\"}}");
        }
        return lines;
    }

    static String event(String logStream, List<String> lines) throws Exception {
        ObjectNode payload = Json.MAPPER.createObjectNode();
        payload.put("messageType", "DATA_MESSAGE");
        payload.put("owner", "123456789012");
        payload.put("logGroup", "/aws/lambda/ai-gateway");
        payload.put("logStream", logStream);
        payload.putArray("subscriptionFilters").add("ai-gateway-records");
        ArrayNode events = payload.putArray("logEvents");
        for (int i = 0; i < lines.size(); i++) {
            events.addObject().put("id", "3795" + String.format("%052d", i)).put("timestamp", CREATED + i)
                    .put("message", lines.get(i) + "\n");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(payload.toString().getBytes(StandardCharsets.UTF_8));
        }
        ObjectNode event = Json.MAPPER.createObjectNode();
        event.putObject("awslogs").put("data", Base64.getEncoder().encodeToString(out.toByteArray()));
        return event.toPrettyString() + "\n";
    }
}

package io.aigateway.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aigateway.budget.Settlement;
import io.aigateway.core.Json;
import io.aigateway.log.LogJson;
import io.aigateway.log.LogPayload;
import io.aigateway.log.RequestLog;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The record lines a request leaves behind: what the gateway prints to stdout on Lambda (and appends to the journal
 * locally), and what the ingest reads back. One JSON object per line:
 * <pre>
 *   {"aigw":"log", "log":{...admin API fields...}, ...EMF members (_aws, metric values) when metrics are on}
 *   {"aigw":"body", "id":..., "gateway":..., "side":"request"|"response", "part":0, "parts":1, "expires":..., "data":"base64(gzip)"}
 *   {"aigw":"spend", "spend":{...}, ...EMF members}     a request with budgets whose log is off (collect_logs false)
 * </pre>
 * A log line of a request with budgets also carries {@code "spend":{...}} ({@link Settlement}): what the request
 * reserved and used per bucket, for the ingest to settle.
 * Lambda reports a stdout line longer than about 256 KB as several events, which would be invalid JSON, so a log
 * line is kept under {@value #MAX_LOG_LINE} bytes (the body heads are dropped first) and bodies travel as part lines
 * of at most {@value #MAX_PART_BYTES} bytes of compressed data each, every part stored as an item of its own: the
 * ingest needs no reassembly state.
 */
public final class RecordFormat {
    public static final String MARKER = "aigw";
    public static final String LOG = "log";
    public static final String BODY = "body";
    public static final String SPEND = Settlement.MEMBER;
    /** Upper bound of a log line; body heads are left out of a line that would be longer. */
    public static final int MAX_LOG_LINE = 32 * 1024;
    /** Compressed body bytes per part line (base64 makes ~200 KB of them, well under Lambda's 256 KB line). */
    public static final int MAX_PART_BYTES = 150 * 1024;

    private RecordFormat() {
    }

    /** Adds the log record to a line's root object ({@code "aigw":"log","log":{...}}). */
    public static void putLog(ObjectNode root, RequestLog log) {
        root.put(MARKER, LOG);
        root.set(LOG, logMembers(log));
    }

    /** The log record as the members a line carries, without body heads if the line would be too long. */
    public static JsonNode logMembers(RequestLog log) {
        ObjectNode node = LogJson.toJson(log);
        if (node.toString().length() > MAX_LOG_LINE - 4096) {
            node.putNull("request_head");
            node.putNull("response_head");
            node.put("heads_dropped", true);
        }
        return node;
    }

    /** A line with the log only (metrics off, or a sink that carries no EMF). */
    public static String logLine(RequestLog log) {
        return logLine(log, null);
    }

    /** A line with the log and/or the request's settlement (either may be null, not both). */
    public static String logLine(RequestLog log, Settlement spend) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put(MARKER, log != null ? LOG : SPEND);
        if (log != null) {
            root.set(LOG, logMembers(log));
        }
        if (spend != null) {
            root.set(SPEND, spend.toJson());
        }
        return root.toString();
    }

    /** The part lines of a log's compressed bodies (none when there are none). */
    public static List<String> bodyLines(RequestLog log, LogPayload payload) {
        List<String> lines = new ArrayList<>(2);
        if (payload == null || payload.isEmpty()) {
            return lines;
        }
        addParts(lines, log, "request", payload.requestGzip());
        addParts(lines, log, "response", payload.responseGzip());
        return lines;
    }

    private static void addParts(List<String> lines, RequestLog log, String side, byte[] gzip) {
        if (gzip == null || gzip.length == 0) {
            return;
        }
        int parts = (gzip.length + MAX_PART_BYTES - 1) / MAX_PART_BYTES;
        Base64.Encoder b64 = Base64.getEncoder();
        for (int part = 0; part < parts; part++) {
            int from = part * MAX_PART_BYTES;
            int to = Math.min(gzip.length, from + MAX_PART_BYTES);
            ObjectNode o = Json.MAPPER.createObjectNode();
            o.put(MARKER, BODY);
            o.put("id", log.id());
            o.put("gateway", log.gateway());
            o.put("side", side);
            o.put("part", part);
            o.put("parts", parts);
            o.put("expires", log.expiresAt());
            o.put("data", b64.encodeToString(java.util.Arrays.copyOfRange(gzip, from, to)));
            lines.add(o.toString());
        }
    }

    /** What one line holds. */
    public sealed interface Parsed permits LogRecord, BodyPart, SpendRecord, NotARecord, Malformed {
    }

    /** @param spend the request's budget settlement, or null */
    public record LogRecord(RequestLog log, Settlement spend) implements Parsed {
        public LogRecord(RequestLog log) {
            this(log, null);
        }
    }

    /** The settlement of a request whose log is off. */
    public record SpendRecord(Settlement spend) implements Parsed {
    }

    public record BodyPart(String id, String gateway, String side, int part, int parts, long expiresAt, byte[] gzip)
            implements Parsed {
    }

    /** A line without the marker (an EMF-only document, a runtime line): not ours to ingest. */
    public record NotARecord() implements Parsed {
    }

    /** A line that claims to be a record but cannot be read: parked, never silently dropped. */
    public record Malformed(String reason) implements Parsed {
    }

    public static Parsed parse(String line) {
        if (line == null || line.indexOf('"' + MARKER + '"') < 0) {
            return new NotARecord();
        }
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(line);
        } catch (Exception e) {
            return new Malformed("not JSON: " + e.getClass().getSimpleName());
        }
        if (root == null || !root.isObject() || !root.hasNonNull(MARKER)) {
            return new NotARecord();
        }
        String kind = root.get(MARKER).asText();
        try {
            return switch (kind) {
                case LOG -> new LogRecord(LogJson.fromJson(root.path(LOG)),
                        root.hasNonNull(SPEND) ? Settlement.fromJson(root.get(SPEND)) : null);
                case SPEND -> new SpendRecord(Settlement.fromJson(root.get(SPEND)));
                case BODY -> {
                    String side = root.path("side").asText();
                    int part = root.path("part").asInt(-1);
                    int parts = root.path("parts").asInt(-1);
                    if (!("request".equals(side) || "response".equals(side)) || part < 0 || parts <= part
                            || !io.aigateway.log.LogIds.isValid(root.path("id").asText())) {
                        yield new Malformed("body part with a bad id, side or part number");
                    }
                    yield new BodyPart(root.path("id").asText(), root.path("gateway").asText(), side, part, parts,
                            root.path("expires").asLong(), Base64.getDecoder().decode(root.path("data").asText()));
                }
                default -> new Malformed("unknown record kind '" + kind + "'");
            };
        } catch (RuntimeException e) {
            return new Malformed(e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }
}

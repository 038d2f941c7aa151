package io.aigateway.ingest;

import io.aigateway.store.TableSchema;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/**
 * Records the ingest could not store, kept where an operator finds them: {@code pk = PARKED#{yyyyMMdd}},
 * {@code sk = {batch}#{what}}, with the reason and the raw line (gzip), for 30 days. Each parking is also counted in
 * the {@code RecordsParked} metric and in /api/v1/stats locally.
 * <pre>
 *   aws dynamodb query --table-name TABLE --key-condition-expression "pk = :p" \
 *     --expression-attribute-values '{":p":{"S":"PARKED#20261202"}}'
 * </pre>
 */
final class ParkedRecords {
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyyMMdd").withZone(ZoneOffset.UTC);
    private static final long KEEP_SECONDS = 30 * 86_400L;
    private static final int MAX_LINE_GZIP = 350 * 1024;

    private final DynamoDbClient dynamo;
    private final String table;

    ParkedRecords(DynamoDbClient dynamo, String table) {
        this.dynamo = dynamo;
        this.table = table;
    }

    /** Throws when even parking fails: the batch is then delivered again rather than anything being lost. */
    void park(String batchId, String what, String reason, String line) {
        Instant now = Instant.now();
        byte[] gz = gzip(line.getBytes(StandardCharsets.UTF_8));
        Map<String, AttributeValue> item = Map.of(
                TableSchema.PK, AttributeValue.fromS("PARKED#" + DAY.format(now)),
                TableSchema.SK, AttributeValue.fromS(batchId + "#" + what),
                "reason", AttributeValue.fromS(reason.length() > 1000 ? reason.substring(0, 1000) : reason),
                "parked_at", AttributeValue.fromS(now.toString()),
                "line_gzip", AttributeValue.fromB(SdkBytes.fromByteArray(gz.length > MAX_LINE_GZIP
                        ? java.util.Arrays.copyOf(gz, MAX_LINE_GZIP) : gz)),
                TableSchema.EXPIRES_AT, AttributeValue.fromN(Long.toString(now.getEpochSecond() + KEEP_SECONDS)));
        Ingest.retrying(() -> dynamo.putItem(b -> b.tableName(table).item(item)));
    }

    private static byte[] gzip(byte[] bytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(64, bytes.length / 4));
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(bytes);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toByteArray();
    }
}

package io.aigateway.ingest;

import io.aigateway.analytics.Rollups;
import io.aigateway.core.Json;
import io.aigateway.log.LogStore;
import io.aigateway.store.StoreStats;
import io.aigateway.store.TableSchema;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;

/**
 * Feeds captured stdout of the gateway (a file, one line per line) through the ingest, in batches of up to
 * {@code BATCH} lines as a subscription would, against GATEWAY_TABLE at AWS_ENDPOINT_URL (DynamoDB Local, moto,
 * LocalStack). Prints what it stored and the DynamoDB calls it made, as JSON. Used by bench/lambda.sh.
 * <pre>java -cp ... io.aigateway.ingest.ReplayMain captured-stdout.txt [batch-lines]</pre>
 */
public final class ReplayMain {
    private ReplayMain() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: ReplayMain FILE [BATCH_LINES]");
            System.exit(2);
        }
        Path file = Path.of(args[0]);
        int batchLines = args.length > 1 ? Integer.parseInt(args[1]) : 500;
        String table = System.getenv().getOrDefault("GATEWAY_TABLE", "ai-gateway");
        StoreStats stats = new StoreStats();
        try (DynamoDbClient dynamo = DynamoDbClient.builder()
                .region(Region.of(System.getenv().getOrDefault("AWS_REGION", "us-east-1")))
                .httpClient(Apache5HttpClient.create())
                .overrideConfiguration(ClientOverrideConfiguration.builder().addExecutionInterceptor(stats).build())
                .build()) {
            TableSchema.createIfMissing(dynamo, table);
            Ingest ingest = new Ingest(dynamo, table, new LogStore(dynamo, table, Executors.newVirtualThreadPerTaskExecutor()),
                    new Rollups(dynamo, table), new IngestStats());
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            int records = 0;
            int stored = 0;
            int parked = 0;
            int duplicates = 0;
            int rollups = 0;
            int batches = 0;
            for (int i = 0; i < lines.size(); i += batchLines) {
                List<String> batch = new ArrayList<>(lines.subList(i, Math.min(lines.size(), i + batchLines)));
                Ingest.Result r = ingest.apply("replay-" + Integer.toHexString(file.toAbsolutePath().hashCode())
                        + "-" + i, batch);
                records += r.records();
                stored += r.logsStored();
                parked += r.parked();
                duplicates += r.duplicates();
                rollups += r.rollupUpdates();
                batches++;
            }
            var out = Json.MAPPER.createObjectNode();
            out.put("lines", lines.size());
            out.put("batches", batches);
            out.put("records", records);
            out.put("logs_stored", stored);
            out.put("duplicates", duplicates);
            out.put("parked", parked);
            out.put("rollup_updates", rollups);
            var calls = out.putObject("store_calls");
            stats.snapshot().forEach((op, s) -> calls.put(op, s.calls()));
            System.out.println(out.toPrettyString());
        }
    }
}

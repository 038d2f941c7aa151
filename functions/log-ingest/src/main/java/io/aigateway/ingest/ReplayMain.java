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
 * {@code BATCH_LINES} lines per delivery, the lines spread over {@code STREAMS} log streams (env, default 4) as a
 * subscription would deliver them, against GATEWAY_TABLE at AWS_ENDPOINT_URL (DynamoDB Local, moto,
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
        io.aigateway.store.CapacityMeter capacity = new io.aigateway.store.CapacityMeter();
        try (DynamoDbClient dynamo = DynamoDbClient.builder()
                .region(Region.of(System.getenv().getOrDefault("AWS_REGION", "us-east-1")))
                .httpClient(Apache5HttpClient.create())
                .overrideConfiguration(ClientOverrideConfiguration.builder().addExecutionInterceptor(stats)
                        .addExecutionInterceptor(capacity).build())
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
            // A subscription delivery holds one log stream (one execution environment): spread the lines over
            // STREAMS streams, as that many concurrent environments would write them, and batch each on its own.
            int streams = Integer.parseInt(System.getenv().getOrDefault("STREAMS", "4"));
            List<List<String>> byStream = new ArrayList<>();
            for (int s = 0; s < streams; s++) {
                byStream.add(new ArrayList<>());
            }
            for (int i = 0; i < lines.size(); i++) {
                byStream.get(i % streams).add(lines.get(i));
            }
            List<List<String>> deliveries = new ArrayList<>();
            for (List<String> stream : byStream) {
                for (int i = 0; i < stream.size(); i += batchLines) {
                    deliveries.add(stream.subList(i, Math.min(stream.size(), i + batchLines)));
                }
            }
            for (int d = 0; d < deliveries.size(); d++) {
                List<String> batch = deliveries.get(d);
                Ingest.Result r = ingest.apply("replay-" + Integer.toHexString(file.toAbsolutePath().hashCode())
                        + "-" + d, batch);
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
            out.put("streams", streams);
            out.put("records", records);
            out.put("logs_stored", stored);
            out.put("duplicates", duplicates);
            out.put("parked", parked);
            out.put("rollup_updates", rollups);
            out.put("write_units", Math.round(capacity.writeUnits() * 10) / 10.0);
            out.put("read_units", Math.round(capacity.readUnits() * 10) / 10.0);
            out.put("write_units_per_log", stored == 0 ? null : Math.round(capacity.writeUnits() / stored * 1000) / 1000.0);
            out.put("read_units_per_log", stored == 0 ? null : Math.round(capacity.readUnits() / stored * 1000) / 1000.0);
            var calls = out.putObject("store_calls");
            stats.snapshot().forEach((op, s) -> calls.put(op, s.calls()));
            System.out.println(out.toPrettyString());
        }
    }
}

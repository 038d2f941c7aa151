package io.aigateway.store;

import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/** BatchWriteItem of up to 25 writes, with unprocessed items retried under exponential backoff and jitter. */
public final class BatchWrites {
    private static final int ATTEMPTS = 8;

    private BatchWrites() {
    }

    /** Throws IllegalStateException when items are still unprocessed after every attempt: nothing is dropped quietly. */
    public static void write(DynamoDbClient dynamo, String table, List<WriteRequest> writes) {
        if (writes.size() > 25) {
            throw new IllegalArgumentException("BatchWriteItem takes at most 25 writes, got " + writes.size());
        }
        Map<String, List<WriteRequest>> pending = Map.of(table, writes);
        for (int attempt = 0; attempt < ATTEMPTS && !pending.isEmpty(); attempt++) {
            if (attempt > 0) {
                backoff(attempt);
            }
            Map<String, List<WriteRequest>> request = pending;
            BatchWriteItemResponse response = dynamo.batchWriteItem(b -> b.requestItems(request));
            pending = response.hasUnprocessedItems() && !response.unprocessedItems().isEmpty()
                    ? response.unprocessedItems() : Map.of();
        }
        if (!pending.isEmpty()) {
            throw new IllegalStateException(pending.getOrDefault(table, List.of()).size()
                    + " writes still unprocessed after " + ATTEMPTS + " attempts");
        }
    }

    /** Full jitter: 0..(25 ms * 2^attempt), capped at 2 s. */
    public static void backoff(int attempt) {
        long cap = Math.min(2_000, 25L << Math.min(attempt, 10));
        try {
            Thread.sleep(ThreadLocalRandom.current().nextLong(cap / 2, cap + 1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while backing off", e);
        }
    }
}

package io.aigateway.ratelimit;

import io.aigateway.store.AwsClients;
import io.aigateway.store.StoreStats;
import io.aigateway.testing.DynamoDbLocal;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.time.Duration;
import java.util.Map;

/** DynamoDB Local clients for these tests, built like the gateway's own (store-call counting, extra interceptors). */
final class StoreClients {
    private StoreClients() {
    }

    /** A client on DynamoDB Local that counts its calls in {@code stats}, plus any extra interceptors. */
    static DynamoDbClient counting(StoreStats stats, ExecutionInterceptor... extra) {
        ClientOverrideConfiguration.Builder override = ClientOverrideConfiguration.builder()
                .apiCallAttemptTimeout(Duration.ofSeconds(10))
                .addExecutionInterceptor(stats);
        for (ExecutionInterceptor i : extra) {
            override.addExecutionInterceptor(i);
        }
        return DynamoDbClient.builder()
                .httpClient(AwsClients.httpClient())
                .region(Region.US_EAST_1)
                .endpointOverride(DynamoDbLocal.endpoint())
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                .overrideConfiguration(override.build())
                .build();
    }

    static long calls(StoreStats stats, String operation) {
        Map<String, StoreStats.Snapshot> s = stats.snapshot();
        return s.containsKey(operation) ? s.get(operation).calls() : 0;
    }

    static long totalCalls(StoreStats stats) {
        return stats.snapshot().values().stream().mapToLong(StoreStats.Snapshot::calls).sum();
    }
}

package io.aigateway.store;

import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClientBuilder;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

import java.time.Duration;

/**
 * AWS SDK clients, built once. Region from AWS_REGION; endpoint from AWS_ENDPOINT_URL(_DYNAMODB) when set (the
 * SDK reads those itself), so DynamoDB Local, moto or LocalStack work unchanged; credentials from the default
 * chain (the container credentials endpoint in Lambda). Store calls get short timeouts: a store that is slow
 * must cost a request little, because every store step fails open.
 */
public final class AwsClients {
    private AwsClients() {
    }

    /** The pooled client, renewable after a SnapStart restore (see {@link RenewableHttpClient}). */
    public static RenewableHttpClient httpClient() {
        return new RenewableHttpClient(AwsClients::pooledClient);
    }

    private static SdkHttpClient pooledClient() {
        return Apache5HttpClient.builder()
                .maxConnections(256)
                .connectionTimeout(Duration.ofSeconds(2))
                .socketTimeout(Duration.ofSeconds(5))
                .build();
    }

    public static DynamoDbClient dynamo(SdkHttpClient http, StoreStats stats) {
        return dynamoBuilder(http, stats).build();
    }

    /** The gateway's DynamoDB client settings; callers may add an endpoint or credentials (the local runtime). */
    public static DynamoDbClientBuilder dynamoBuilder(SdkHttpClient http, StoreStats stats) {
        return DynamoDbClient.builder()
                .httpClient(http)
                .region(region())
                .overrideConfiguration(ClientOverrideConfiguration.builder()
                        .apiCallAttemptTimeout(Duration.ofSeconds(2))
                        .apiCallTimeout(Duration.ofSeconds(5))
                        .addExecutionInterceptor(stats)
                        .build());
    }

    public static SecretsManagerClient secrets(SdkHttpClient http) {
        return SecretsManagerClient.builder().httpClient(http).region(region()).build();
    }

    static Region region() {
        String region = System.getenv("AWS_REGION");
        return Region.of(region == null || region.isBlank() ? "us-east-1" : region);
    }
}

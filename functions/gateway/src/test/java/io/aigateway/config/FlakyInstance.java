package io.aigateway.config;

import io.aigateway.GatewayApp;
import io.aigateway.metrics.RequestMetrics;
import io.aigateway.server.GatewayHttpServer;
import io.aigateway.store.AwsClients;
import io.aigateway.store.StoreStats;
import io.aigateway.testing.DynamoDbLocal;
import io.aigateway.testing.Harness;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A second gateway instance on an existing table whose store can be taken down: its real DynamoDB client (on
 * DynamoDB Local) fails every call while {@link #down} is set, as a client does when the store is unreachable.
 */
final class FlakyInstance implements AutoCloseable {
    final AtomicBoolean down = new AtomicBoolean();
    final StoreStats stats = new StoreStats();
    final List<String> metrics = new CopyOnWriteArrayList<>();
    final DynamoDbClient dynamo;
    final GatewayApp app;
    final GatewayHttpServer server;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    FlakyInstance(String table, Map<String, String> env) {
        Map<String, String> all = new HashMap<>(env);
        all.put("GATEWAY_TABLE", table);
        all.putIfAbsent("GATEWAY_ADMIN_TOKEN", Harness.ADMIN_TOKEN);
        ExecutionInterceptor outage = new ExecutionInterceptor() {
            @Override
            public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
                if (down.get()) {
                    throw SdkClientException.create("store unreachable (test outage)");
                }
            }
        };
        this.dynamo = DynamoDbClient.builder()
                .httpClient(AwsClients.httpClient())
                .region(software.amazon.awssdk.regions.Region.US_EAST_1)
                .endpointOverride(DynamoDbLocal.endpoint())
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                .overrideConfiguration(ClientOverrideConfiguration.builder()
                        .apiCallAttemptTimeout(Duration.ofSeconds(5))
                        .addExecutionInterceptor(stats)
                        .addExecutionInterceptor(outage)
                        .build())
                .build();
        this.app = GatewayApp.create(GatewayConfig.fromEnv(all), dynamo,
                new RequestMetrics(RequestMetrics.sinkOf(metrics::add), true), stats);
        this.server = GatewayHttpServer.start(app.gateway(), new InetSocketAddress("127.0.0.1", 0));
    }

    HttpResponse<String> post(String path, String json, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .POST(HttpRequest.BodyPublishers.ofString(json)).header("content-type", "application/json");
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    long calls(String operation) {
        StoreStats.Snapshot s = stats.snapshot().get(operation);
        return s == null ? 0 : s.calls();
    }

    @Override
    public void close() {
        down.set(false); // so the journal drains at once instead of retrying until close gives up
        server.close();
        app.close();
        dynamo.close();
    }
}

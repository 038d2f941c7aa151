package io.aigateway.testing;

import io.aigateway.GatewayApp;
import io.aigateway.config.GatewayConfig;
import io.aigateway.metrics.RequestMetrics;
import io.aigateway.server.GatewayHttpServer;
import io.aigateway.store.AwsClients;
import io.aigateway.store.StoreStats;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
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

/**
 * A whole gateway for a test: its own table on the shared DynamoDB Local, every provider in {@code upstreams}
 * pointed at a loopback server, the HTTP server transport on a free port, EMF documents captured in memory.
 */
public final class Harness implements AutoCloseable {
    public static final String ADMIN_TOKEN = "test-admin-token-0123456789";

    public final String table;
    public final GatewayConfig config;
    public final GatewayApp app;
    public final StoreStats storeStats;
    public final DynamoDbClient dynamo;
    public final GatewayHttpServer server;
    public final List<String> metrics = new CopyOnWriteArrayList<>();
    public final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    public Harness(Map<String, String> env) {
        this.table = DynamoDbLocal.newTable();
        Map<String, String> all = new HashMap<>(env);
        all.put("GATEWAY_TABLE", table);
        all.putIfAbsent("GATEWAY_ADMIN_TOKEN", ADMIN_TOKEN);
        this.config = GatewayConfig.fromEnv(all);
        // A client of its own with the store-call interceptor, so tests can count what a request costs.
        this.storeStats = new StoreStats();
        this.dynamo = AwsClients.dynamoBuilder(AwsClients.httpClient(), storeStats)
                .endpointOverride(DynamoDbLocal.endpoint())
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                .build();
        this.app = GatewayApp.create(config, dynamo, new RequestMetrics(RequestMetrics.sinkOf(metrics::add), true),
                storeStats);
        this.server = GatewayHttpServer.start(app.gateway(), new InetSocketAddress("127.0.0.1", 0));
    }

    public static Harness forProvider(String slug, URI upstream) {
        return new Harness(Map.of("GATEWAY_UPSTREAM_" + slug.toUpperCase().replace('-', '_'), upstream.toString()));
    }

    public URI url(String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    public HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    public HttpResponse<String> post(String path, String json, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(url(path)).POST(HttpRequest.BodyPublishers.ofString(json))
                .header("content-type", "application/json");
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return send(b);
    }

    public HttpResponse<String> admin(String path) throws Exception {
        return send(HttpRequest.newBuilder(url(path)).header("authorization", "Bearer " + ADMIN_TOKEN).GET());
    }

    /** Log writes are asynchronous in the HTTP transport: poll the admin API until the log is there. */
    public String awaitLog(String gateway, String logId) throws Exception {
        long deadline = System.currentTimeMillis() + 5_000;
        while (true) {
            HttpResponse<String> r = admin("/api/v1/gateways/" + gateway + "/logs/" + logId);
            if (r.statusCode() == 200) {
                return r.body();
            }
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("log " + logId + " never appeared: " + r.statusCode() + " " + r.body());
            }
            Thread.sleep(20);
        }
    }

    @Override
    public void close() {
        server.close();
        app.close();
        dynamo.close();
    }
}

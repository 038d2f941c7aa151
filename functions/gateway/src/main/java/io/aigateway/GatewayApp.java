package io.aigateway;

import io.aigateway.admin.AdminApi;
import io.aigateway.analytics.AnalyticsApi;
import io.aigateway.analytics.Rollups;
import io.aigateway.cache.CacheStep;
import io.aigateway.cache.CacheStore;
import io.aigateway.ratelimit.RateLimitStep;
import io.aigateway.ratelimit.RateLimiter;
import io.aigateway.admin.AdminAuth;
import io.aigateway.auth.AuthStep;
import io.aigateway.auth.GatewayTokens;
import io.aigateway.config.SettingsCache;
import io.aigateway.config.SettingsStore;
import io.aigateway.config.GatewayConfig;
import io.aigateway.core.Interceptor;
import io.aigateway.cost.CostCalculator;
import io.aigateway.log.LogIds;
import io.aigateway.log.LogRedactor;
import io.aigateway.log.LogStore;
import io.aigateway.log.LogWriter;
import io.aigateway.log.RequestRecorder;
import io.aigateway.metrics.RequestMetrics;
import io.aigateway.provider.ProviderRegistry;
import io.aigateway.provider.RouteParser;
import io.aigateway.store.AwsClients;
import io.aigateway.store.StoreStats;
import io.aigateway.upstream.UpstreamClient;
import io.aigateway.upstream.UpstreamStep;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/** Composition root: builds every component once per process (and once before a SnapStart snapshot). */
public final class GatewayApp implements AutoCloseable {
    private final Gateway gateway;
    private final UpstreamClient upstream;
    private final LogWriter logWriter;
    private final ExecutorService background;
    private final List<AutoCloseable> owned;

    private GatewayApp(Gateway gateway, UpstreamClient upstream, LogWriter logWriter, ExecutorService background,
                       List<AutoCloseable> owned) {
        this.gateway = gateway;
        this.upstream = upstream;
        this.logWriter = logWriter;
        this.background = background;
        this.owned = owned;
    }

    /** The buffered Lambda transport: one log write per request, awaited before the handler returns. */
    public static GatewayApp forLambda(GatewayConfig config) {
        return fromEnvironment(config, LogWriter.Mode.DIRECT);
    }

    /** The HTTP server transport (streaming Lambda behind the Web Adapter): batched log writes. */
    public static GatewayApp create(GatewayConfig config) {
        return fromEnvironment(config, LogWriter.Mode.BATCHED);
    }

    private static GatewayApp fromEnvironment(GatewayConfig config, LogWriter.Mode mode) {
        SdkHttpClient http = AwsClients.httpClient();
        StoreStats stats = new StoreStats();
        DynamoDbClient dynamo = AwsClients.dynamo(http, stats);
        return build(config, dynamo, RequestMetrics.stdout(config.emitMetrics()), stats, mode, List.of(dynamo, http), http);
    }

    /** For the local runtime and tests: a DynamoDB client the caller owns. */
    public static GatewayApp create(GatewayConfig config, DynamoDbClient dynamo) {
        return create(config, dynamo, RequestMetrics.stdout(config.emitMetrics()));
    }

    public static GatewayApp create(GatewayConfig config, DynamoDbClient dynamo, RequestMetrics metrics) {
        return create(config, dynamo, metrics, new StoreStats());
    }

    /** {@code stats} should be the interceptor the caller put on {@code dynamo} (see AwsClients.dynamoBuilder). */
    public static GatewayApp create(GatewayConfig config, DynamoDbClient dynamo, RequestMetrics metrics, StoreStats stats) {
        return build(config, dynamo, metrics, stats, LogWriter.Mode.BATCHED, List.of(), null);
    }

    private static GatewayApp build(GatewayConfig config, DynamoDbClient dynamo, RequestMetrics metrics,
                                    StoreStats stats, LogWriter.Mode logMode, List<AutoCloseable> owned,
                                    SdkHttpClient http) {
        ExecutorService background = Executors.newVirtualThreadPerTaskExecutor();
        UpstreamClient upstream = new UpstreamClient(config.connectTimeout(), config.streamIdleTimeout());
        LogStore logs = new LogStore(dynamo, config.tableName(), background);
        Rollups rollups = new Rollups(dynamo, config.tableName(), background);
        LogWriter logWriter = new LogWriter(logs, config.analytics() ? rollups : null, background, logMode);
        RequestRecorder recorder = new RequestRecorder(logWriter, metrics, background, config.logBodyBytes(),
                config.logPayloadBytes(), LogRedactor.NONE, CostCalculator.standard());
        RouteParser routes = new RouteParser(new ProviderRegistry(config.upstreamOverrides()), config.accountId());
        GatewayTokens tokens = new GatewayTokens(dynamo, config.tableName(), config.settingsRefreshMillis());
        SettingsStore settingsStore = new SettingsStore(dynamo, config.tableName(), config.env());
        SettingsCache settings = new SettingsCache(settingsStore, config, background, config.settingsRefreshMillis());

        // The pipeline, in order. Each step may answer early or hand on; Gateway runs routing before them and
        // the request's log and metrics after them.
        List<Interceptor> requestSteps = List.of(
                new AuthStep(tokens),
                new RateLimitStep(new RateLimiter(dynamo, config.tableName(), Clock.systemUTC())));
        List<Interceptor> providerSteps = List.of(
                new CacheStep(new CacheStore(dynamo, config.tableName(), config.cacheMemoryBytes()), background,
                        metrics::storeError),
                new UpstreamStep(upstream, Math.max(config.logBodyBytes(), config.logPayloadBytes())));

        AdminApi admin = new AdminApi(new AdminAuth(adminToken(config, http)), logs, settingsStore, settings, tokens,
                config, stats, new AnalyticsApi(rollups, background));
        admin.reportLogQueue(() -> new long[]{logWriter.queued(), logWriter.droppedCount()});
        Gateway gateway = new Gateway(config, routes, settings, requestSteps, providerSteps, recorder, admin,
                new LogIds());
        return new GatewayApp(gateway, upstream, logWriter, background, owned);
    }

    private static Supplier<Optional<String>> adminToken(GatewayConfig config, SdkHttpClient http) {
        if (config.adminToken().isPresent() || config.adminTokenSecretArn().isEmpty()) {
            return config::adminToken;
        }
        String arn = config.adminTokenSecretArn().get();
        return () -> {
            try (SecretsManagerClient secrets = AwsClients.secrets(http != null ? http : AwsClients.httpClient())) {
                return Optional.ofNullable(secrets.getSecretValue(b -> b.secretId(arn)).secretString());
            }
        };
    }

    public Gateway gateway() {
        return gateway;
    }

    public UpstreamClient upstreamClient() {
        return upstream;
    }

    /** Before a SnapStart snapshot and after restore: connections made earlier are stale. */
    public void dropIdleConnections() {
        upstream.dropIdleConnections();
    }

    @Override
    public void close() {
        logWriter.close();
        upstream.close();
        background.shutdown();
        try {
            background.awaitTermination(2, java.util.concurrent.TimeUnit.SECONDS); // let in-flight writes land
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (AutoCloseable c : owned) {
            try {
                c.close();
            } catch (Exception ignored) {
                // closing on the way out
            }
        }
    }
}

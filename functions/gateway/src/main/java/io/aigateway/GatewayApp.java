package io.aigateway;

import io.aigateway.admin.AdminApi;
import io.aigateway.analytics.AnalyticsApi;
import io.aigateway.analytics.Rollups;
import io.aigateway.cache.CacheStep;
import io.aigateway.cache.CacheStore;
import io.aigateway.compat.CompatTranslators;
import io.aigateway.compatapi.CompatEndpoint;
import io.aigateway.compatapi.CompatSteps;
import io.aigateway.compatapi.DynamicRoutes;
import io.aigateway.routes.RouteBook;
import io.aigateway.routes.RouteStore;
import io.aigateway.routes.RoutesAdmin;
import io.aigateway.upstream.UniversalStep;
import io.aigateway.ratelimit.RateLimitStep;
import io.aigateway.ratelimit.RateLimiter;
import io.aigateway.admin.AdminAuth;
import io.aigateway.auth.AuthStep;
import io.aigateway.auth.GatewayTokens;
import io.aigateway.auth.KeyPolicyStep;
import io.aigateway.ratelimit.KeyRateLimitStep;
import io.aigateway.byok.ProviderKeyStep;
import io.aigateway.byok.ProviderKeyVault;
import io.aigateway.byok.ProviderKeys;
import io.aigateway.byok.SecretsManagerVault;
import io.aigateway.sigv4.BedrockCredentials;
import io.aigateway.sigv4.ClientSignatureStep;
import io.aigateway.sigv4.FunctionCredentials;
import io.aigateway.sigv4.SigningStep;
import io.aigateway.spend.Budgets;
import io.aigateway.spend.SpendCounters;
import io.aigateway.spend.SpendLimitStep;
import io.aigateway.spend.SpendRecorder;
import io.aigateway.config.SettingsCache;
import io.aigateway.config.DynamoSettingsStore;
import io.aigateway.config.SettingsStore;
import io.aigateway.config.GatewayConfig;
import io.aigateway.extension.PluginRequestStep;
import io.aigateway.extension.PluginResponseStep;
import io.aigateway.guard.DlpResponseStep;
import io.aigateway.guard.DlpStep;
import io.aigateway.dlpengine.ManagedEngines;
import io.aigateway.pipeline.Interceptor;
import io.aigateway.plugin.HookClient;
import io.aigateway.plugin.PluginLoader;
import io.aigateway.plugin.PluginRegistry;
import io.aigateway.plugin.PluginRunners;
import io.aigateway.cost.CostCalculator;
import io.aigateway.log.LogIds;
import io.aigateway.recording.DetectorRedactor;
import io.aigateway.log.LogStore;
import io.aigateway.recording.JournalSink;
import io.aigateway.recording.RecordCounters;
import io.aigateway.recording.RecordSink;
import io.aigateway.budget.AlertPublisher;
import io.aigateway.ingest.Ingest;
import io.aigateway.ingest.IngestStats;
import io.aigateway.ingest.JournalDrain;
import io.aigateway.ingest.MemoryJournal;
import io.aigateway.ingest.RecordJournal;
import io.aigateway.recording.RequestRecorder;
import io.aigateway.metrics.RequestMetrics;
import io.aigateway.provider.ProviderRegistry;
import io.aigateway.provider.RouteParser;
import io.aigateway.store.AwsClients;
import io.aigateway.store.RenewableHttpClient;
import io.aigateway.store.StoreStats;
import io.aigateway.upstream.UpstreamClient;
import io.aigateway.upstream.UpstreamStep;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * Composition root: builds every component once per process (and once before a SnapStart snapshot).
 * <p>
 * Where request records go depends on where the gateway runs: on Lambda (either transport) they are lines on
 * stdout, taken from the log group by the log-ingest function; locally and in tests they go into a journal that
 * the same ingest code drains in this process.
 */
public final class GatewayApp implements AutoCloseable {
    private final Gateway gateway;
    private final UpstreamClient upstream;
    private final ExecutorService background;
    private final JournalDrain drain;
    private final List<AutoCloseable> owned;
    private final GatewayConfig config;
    private final SettingsStore settingsStore;

    private GatewayApp(Gateway gateway, UpstreamClient upstream, ExecutorService background, JournalDrain drain,
                       List<AutoCloseable> owned, GatewayConfig config, SettingsStore settingsStore) {
        this.gateway = gateway;
        this.upstream = upstream;
        this.background = background;
        this.drain = drain;
        this.owned = owned;
        this.config = config;
        this.settingsStore = settingsStore;
    }

    /**
     * A second instance of the same pipeline for SnapStart priming ({@link io.aigateway.lambda.Priming}): its
     * DynamoDB is {@code fakeDynamo}, every provider is {@code fakeProvider}, its records are kept nowhere, no plug-in
     * is loaded, and any gateway id runs on the defaults (priming names openai only). Close it when priming is done.
     */
    public static GatewayApp primer(GatewayConfig config, java.net.URI fakeDynamo, java.net.URI fakeProvider) {
        Map<String, String> env = new java.util.HashMap<>(config.env());
        env.put("GATEWAY_REQUIRE_CONFIG", "false");
        env.put("GATEWAY_ADMIN_TOKEN", "priming-only");
        env.put("GATEWAY_UPSTREAM_OPENAI", fakeProvider.toString()); // the priming requests' provider
        RenewableHttpClient http = AwsClients.httpClient();
        StoreStats stats = new StoreStats();
        DynamoDbClient dynamo = AwsClients.dynamoBuilder(http, stats).endpointOverride(fakeDynamo)
                .credentialsProvider(software.amazon.awssdk.auth.credentials.StaticCredentialsProvider.create(
                        software.amazon.awssdk.auth.credentials.AwsBasicCredentials.create("prime", "prime")))
                .build();
        GatewayConfig primed = GatewayConfig.fromEnv(env);
        return build(primed, dynamo, new RequestMetrics(null, primed.emitMetrics()), stats, lines -> true, null,
                PluginRegistry.empty(), List.of(dynamo, http), http, ProviderKeyVault.inMemory());
    }

    /** The configuration this instance runs on. */
    public GatewayConfig config() {
        return config;
    }

    /** One read of the table (a gateway nobody names), so the store client's first real call finds it warm. */
    public void warmStoreClient() {
        try {
            settingsStore.get("__priming__");
        } catch (RuntimeException unreachable) {
            // the table may not be reachable at init; the first request then pays for it
        }
    }

    /** The buffered Lambda transport: records on stdout. */
    public static GatewayApp forLambda(GatewayConfig config) {
        return onAws(config);
    }

    /** The HTTP server transport inside Lambda (behind the Web Adapter): records on stdout too. */
    public static GatewayApp create(GatewayConfig config) {
        return onAws(config);
    }

    private static GatewayApp onAws(GatewayConfig config) {
        RenewableHttpClient http = AwsClients.httpClient();
        StoreStats stats = new StoreStats();
        DynamoDbClient dynamo = AwsClients.dynamo(http, stats);
        String prefix = config.env().getOrDefault("GATEWAY_PROVIDER_KEYS_PREFIX", "ai-gateway/" + config.tableName());
        return build(config, dynamo, RequestMetrics.standard(config.emitMetrics()), stats, RecordSink.stdout(), null,
                classPathPlugins(),
                List.of(dynamo, http), http, new SecretsManagerVault(() -> AwsClients.secrets(http), prefix));
    }

    /** For tests: a DynamoDB client the caller owns; records go through an in-memory journal into the ingest. */
    public static GatewayApp create(GatewayConfig config, DynamoDbClient dynamo) {
        return create(config, dynamo, RequestMetrics.standard(config.emitMetrics()));
    }

    public static GatewayApp create(GatewayConfig config, DynamoDbClient dynamo, RequestMetrics metrics) {
        return create(config, dynamo, metrics, new StoreStats());
    }

    /** {@code stats} should be the interceptor the caller put on {@code dynamo} (see AwsClients.dynamoBuilder). */
    public static GatewayApp create(GatewayConfig config, DynamoDbClient dynamo, RequestMetrics metrics, StoreStats stats) {
        return create(config, dynamo, metrics, stats, new MemoryJournal(MEMORY_JOURNAL_BYTES, APPEND_WAIT_MS));
    }

    /** The local runtime: records go through {@code journal} (durable under --data) into the ingest, in process. */
    public static GatewayApp create(GatewayConfig config, DynamoDbClient dynamo, RequestMetrics metrics, StoreStats stats,
                                    RecordJournal journal) {
        return create(config, dynamo, metrics, stats, journal, classPathPlugins());
    }

    /** The local runtime with plug-ins from {@code --plugins DIR} (and the class path). */
    public static GatewayApp create(GatewayConfig config, DynamoDbClient dynamo, RequestMetrics metrics, StoreStats stats,
                                    RecordJournal journal, PluginRegistry plugins) {
        return create(config, dynamo, metrics, stats, journal, plugins, ProviderKeyVault.inMemory());
    }

    /** Plug-ins from the class path, stored provider keys in {@code vault}. */
    public static GatewayApp create(GatewayConfig config, DynamoDbClient dynamo, RequestMetrics metrics, StoreStats stats,
                                    RecordJournal journal, ProviderKeyVault vault) {
        return create(config, dynamo, metrics, stats, journal, classPathPlugins(), vault);
    }

    /** The local runtime: plug-ins, and stored provider keys in {@code vault} (encrypted under --data). */
    public static GatewayApp create(GatewayConfig config, DynamoDbClient dynamo, RequestMetrics metrics, StoreStats stats,
                                    RecordJournal journal, PluginRegistry plugins, ProviderKeyVault vault) {
        return build(config, dynamo, metrics, stats, null, journal, plugins, List.of(), null, vault);
    }

    /** The local runtime, with spend alerts going to {@code alerts} (an SNS topic, or the process log). */
    public static GatewayApp create(GatewayConfig config, DynamoDbClient dynamo, RequestMetrics metrics, StoreStats stats,
                                    RecordJournal journal, PluginRegistry plugins, ProviderKeyVault vault,
                                    AlertPublisher alerts) {
        return build(config, dynamo, metrics, stats, null, journal, plugins, List.of(), null, vault, alerts);
    }

    /** Records go to {@code sink} as they would on Lambda (tests read them back, or feed them to an ingest). */
    public static GatewayApp create(GatewayConfig config, DynamoDbClient dynamo, RequestMetrics metrics, StoreStats stats,
                                    RecordSink sink) {
        return build(config, dynamo, metrics, stats, sink, null, classPathPlugins(), List.of(), null,
                ProviderKeyVault.inMemory());
    }

    /**
     * While requests are arriving, the in-process ingest takes at most this share of its time (the journal holds the
     * rest until traffic pauses): see {@link JournalDrain}. Measured with bench/run.sh (README, "Benchmarks").
     */
    static final double DRAIN_BUSY_SHARE = 0.25;

    /** The in-memory journal's bound: appends wait (backpressure) beyond it, for at most {@link #APPEND_WAIT_MS}. */
    public static final long MEMORY_JOURNAL_BYTES = 64L * 1024 * 1024;
    public static final long APPEND_WAIT_MS = 30_000;

    /** Plug-ins on the class path: on Lambda, the jars of layers in /opt/java/lib. */
    private static PluginRegistry classPathPlugins() {
        return PluginLoader.fromClassPath(GatewayApp.class.getClassLoader());
    }

    private static GatewayApp build(GatewayConfig config, DynamoDbClient dynamo, RequestMetrics metrics,
                                    StoreStats stats, RecordSink awsSink, RecordJournal journal,
                                    PluginRegistry plugins, List<AutoCloseable> owned, SdkHttpClient http,
                                    ProviderKeyVault vault) {
        return build(config, dynamo, metrics, stats, awsSink, journal, plugins, owned, http, vault,
                AlertPublisher.logging());
    }

    private static GatewayApp build(GatewayConfig config, DynamoDbClient dynamo, RequestMetrics metrics,
                                    StoreStats stats, RecordSink awsSink, RecordJournal journal,
                                    PluginRegistry plugins, List<AutoCloseable> owned, SdkHttpClient http,
                                    ProviderKeyVault vault, AlertPublisher alerts) {
        ExecutorService background = Executors.newVirtualThreadPerTaskExecutor();
        UpstreamClient upstream = new UpstreamClient(config.connectTimeout(), config.streamIdleTimeout());
        LogStore logs = new LogStore(dynamo, config.tableName(), background);
        Rollups rollups = new Rollups(dynamo, config.tableName());
        IngestStats ingestStats = new IngestStats();
        final RecordSink sink;
        JournalDrain drain = null;
        if (journal != null) {
            Ingest ingest = new Ingest(dynamo, config.tableName(), logs, config.analytics() ? rollups : null, ingestStats,
                    alerts);
            drain = new JournalDrain(journal, ingest, DRAIN_BUSY_SHARE);
            sink = new JournalSink(journal);
        } else {
            sink = awsSink;
        }
        Budgets budgets = new Budgets(new SpendCounters(dynamo, config.tableName()), CostCalculator.standard(),
                System::currentTimeMillis, config.settingsRefreshMillis());
        RequestRecorder recorder = new RequestRecorder(sink, metrics, config.logBodyBytes(),
                config.logPayloadBytes(), new DetectorRedactor(), CostCalculator.standard(),
                new SpendRecorder(budgets));
        ProviderRegistry registry = new ProviderRegistry(config.upstreamOverrides());
        RouteParser routes = new RouteParser(registry, config.accountId());
        ProviderKeys providerKeys = new ProviderKeys(dynamo, config.tableName(), vault);
        FunctionCredentials functionCredentials = FunctionCredentials.from(config.env());
        BedrockCredentials bedrockCredentials = new BedrockCredentials(providerKeys, functionCredentials);
        // DLP's managed engines: no SDK client of theirs is built until a gateway's policy names one
        ManagedEngines dlpEngines = ManagedEngines.aws(config.env(), http, functionCredentials);
        GatewayTokens tokens = new GatewayTokens(dynamo, config.tableName(), config.settingsRefreshMillis());
        SettingsStore settingsStore = new DynamoSettingsStore(dynamo, config.tableName(), config.env());
        SettingsCache settings = new SettingsCache(settingsStore, config, background, config.settingsRefreshMillis());

        PluginRunners pluginRunners = new PluginRunners(plugins, new HookClient());

        // The pipeline, in order. Each step may answer early or hand on; Gateway runs routing before them and
        // the request's record after them. Plug-ins and hooks run at their two points: before the cache (the
        // request) and after it (the answer, so a blocked or flagged answer is never stored).
        RateLimiter limiter = new RateLimiter(dynamo, config.tableName(), Clock.systemUTC());
        List<Interceptor> requestSteps = List.of(
                new AuthStep(tokens),
                new RateLimitStep(limiter),
                new KeyRateLimitStep(limiter));
        List<Interceptor> providerSteps = List.of(
                new PluginRequestStep(pluginRunners),
                new KeyPolicyStep(), // after plug-ins, which may change the request: checks the model actually sent
                new DlpStep(dlpEngines), // request policies; restores placeholders in the answer; before the cache key is made
                new ClientSignatureStep(bedrockCredentials), // before the cache: a per-request signature is no key
                new CacheStep(new CacheStore(dynamo, config.tableName(), config.cacheMemoryBytes()), background,
                        (gw, provider, model) -> {
                            String line = metrics.storeErrorLine(gw, provider, model);
                            if (line != null) {
                                sink.write(List.of(line));
                            }
                        }),
                new PluginResponseStep(pluginRunners),
                new DlpResponseStep(dlpEngines), // response policies: plug-ins and the cache only see checked answers
                new SpendLimitStep(budgets),
                new ProviderKeyStep(providerKeys),
                new SigningStep(bedrockCredentials), // last: signs the body and fields actually sent
                new UpstreamStep(upstream, Math.max(config.logBodyBytes(), config.logPayloadBytes())));

        AdminApi admin = new AdminApi(new AdminAuth(adminToken(config, http)), logs, settingsStore, settings, tokens,
                config, stats, new AnalyticsApi(rollups, background), plugins, budgets.counters(), providerKeys,
                registry);
        admin.reportRecords(() -> new RecordCounters(journal == null ? "stdout" : "journal",
                recorder.unrecorded(),
                ingestStats.parked(), ingestStats.logsStored(), ingestStats.duplicates(),
                journal == null ? 0 : journal.backlogBytes(), ingestStats.failedAttempts()));
        // On Lambda the environment may be frozen as soon as a response completes: what must outlive the response
        // (a cache fill) finishes first. Elsewhere it finishes in the background.
        boolean settle = config.env().containsKey("AWS_LAMBDA_FUNCTION_NAME");
        // The OpenAI-compatible endpoint, its dynamic routes (each model element runs the provider steps), and
        // compat steps on the universal endpoint.
        CompatTranslators translators = new CompatTranslators();
        CompatEndpoint compat = new CompatEndpoint(routes, translators)
                .withBedrockSigning((ex, headers) -> bedrockCredentials.held(ex, headers).isPresent());
        RouteStore routeStore = new RouteStore(dynamo, config.tableName(), p -> translators.chat(p).isPresent());
        RouteBook routeBook = new RouteBook(routeStore, config.settingsRefreshMillis());
        compat.withRoutes(new DynamicRoutes(routeBook, compat, providerSteps, limiter, DynamicRoutes.threadLocal()));
        admin.serveRoutes(new RoutesAdmin(routeStore, routeBook));
        Interceptor universal = new UniversalStep(routes, providerSteps, List.of(new CompatSteps(compat)));
        Gateway gateway = new Gateway(config, routes, settings, requestSteps, providerSteps, recorder, admin,
                new LogIds(), settle, compat, universal);
        List<AutoCloseable> closing = new java.util.ArrayList<>(owned);
        closing.add(pluginRunners);
        closing.add(dlpEngines);
        closing.add(plugins);
        if (journal != null) {
            closing.add(0, journal);
        }
        return new GatewayApp(gateway, upstream, background, drain, List.copyOf(closing), config, settingsStore);
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

    /** Before a SnapStart snapshot and after restore: connections made earlier (upstream and AWS SDK) are stale. */
    public void dropIdleConnections() {
        upstream.dropIdleConnections();
        for (AutoCloseable c : owned) {
            if (c instanceof RenewableHttpClient renewable) {
                renewable.renew();
            }
        }
    }

    /** Blocks until every record so far is stored (local journal); true at once on Lambda, where there is none. */
    public boolean awaitRecordsStored(long timeoutMillis) {
        return drain == null || drain.awaitDrained(timeoutMillis);
    }

    /** Stops: records still in the journal are drained first (for at most {@code drainMillis}). */
    public void close(long drainMillis) {
        upstream.close();
        if (drain != null) {
            drain.close(drainMillis);
        }
        background.shutdown();
        try {
            background.awaitTermination(2, java.util.concurrent.TimeUnit.SECONDS);
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

    @Override
    public void close() {
        close(10_000);
    }
}

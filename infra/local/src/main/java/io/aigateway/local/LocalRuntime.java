package io.aigateway.local;

import io.aigateway.GatewayApp;
import io.aigateway.byok.LocalFileVault;
import io.aigateway.byok.ProviderKeyVault;
import io.aigateway.config.GatewayConfig;
import io.aigateway.server.GatewayHttpServer;
import io.aigateway.store.TableSchema;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import io.aigateway.metrics.RequestMetrics;
import io.aigateway.budget.AlertPublisher;
import io.aigateway.ingest.FileJournal;
import io.aigateway.ingest.LogIngestHandler;
import io.aigateway.ingest.SnsAlertPublisher;
import software.amazon.awssdk.services.sns.SnsClient;
import io.aigateway.ingest.MemoryJournal;
import io.aigateway.ingest.RecordJournal;
import io.aigateway.store.StoreStats;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClientBuilder;

/**
 * The gateway on a laptop: DynamoDB Local (in this JVM, on loopback, or an external endpoint with
 * {@code --dynamodb}), the table, the gateway and its HTTP server, in one command.
 *
 * <pre>java -jar infra/local/target/gateway-local.jar [--port 8787] [--host 127.0.0.1] [--data DIR | --in-memory] [--dynamodb URL] [--cloudwatch]</pre>
 *
 * Tests and benchmarks use {@link #start(Options)} directly.
 */
public final class LocalRuntime implements AutoCloseable {

    public static final String USAGE = """
            Usage: java -jar infra/local/target/gateway-local.jar [--port 8787] [--host 127.0.0.1] [--data DIR | --in-memory]
                       [--dynamodb URL] [--cloudwatch] [--plugins DIR]

            Runs the AI gateway locally with an embedded DynamoDB Local (or the DynamoDB at --dynamodb URL).

              --port N       port of the gateway's HTTP server (default 8787; 0 picks a free port)
              --host H       address to listen on (default 127.0.0.1; 0.0.0.0 exposes it to the network)
              --data DIR     keep the data in DIR (default ./.gateway-data): the DynamoDB data (settings, logs, cache),
                             the journal of request records not yet stored (DIR/journal) and stored provider keys,
                             encrypted (DIR/provider-keys.json, key in DIR/provider-keys.key, owner-only)
              --in-memory    keep nothing: the data is gone when the process stops
              --dynamodb URL use the DynamoDB endpoint at URL (e.g. http://127.0.0.1:8000, a DynamoDB Local in its own
                             process) instead of starting the embedded one; the table is created if missing, the
                             journal stays under --data (default ./.gateway-data). Start a DynamoDB Local alone with
                               java -cp infra/local/target/gateway-local.jar io.aigateway.local.EmbeddedDynamoDb \\
                                 --data DIR --port 8000
              --cloudwatch   also publish the metrics to CloudWatch with PutMetricData (AWS_ENDPOINT_URL honoured,
                             so moto_server or LocalStack work; credentials from the default chain)
              --plugins DIR  load the gateway plug-ins of every jar in DIR (enabled per gateway with the "plugins"
                             setting); plug-ins on the class path load too
              --help         print this help

            Settings come from environment variables (GATEWAY_*, AWS_REGION), as in AWS Lambda.
            Spend alerts go to the SNS topic GATEWAY_SPEND_ALERTS_TOPIC_ARN names, else to this process's log.
            GATEWAY_ADMIN_TOKEN is generated for the run when not set; GATEWAY_METRICS defaults to off.""";

    static final String DEFAULT_TABLE = "ai-gateway";
    static final String DEFAULT_REGION = "us-east-1";
    static final String ACCOUNT = "local";
    static final String GATEWAY = "default";

    private final Options options;
    private final EmbeddedDynamoDb dynamo; // null with --dynamodb
    private final URI dynamoEndpoint;
    private final SdkHttpClient http;
    private final DynamoDbClient client;
    private final GatewayApp app;
    private final GatewayHttpServer server;
    private final String adminToken;
    private final boolean adminTokenGenerated;
    private final String table;
    private final long startMillis;
    private final long sinceJvmStartMillis;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final CountDownLatch stopped = new CountDownLatch(1);

    private LocalRuntime(Options options, EmbeddedDynamoDb dynamo, URI dynamoEndpoint, SdkHttpClient http,
                         DynamoDbClient client, GatewayApp app, GatewayHttpServer server, String adminToken,
                         boolean adminTokenGenerated, String table, long startMillis, long sinceJvmStartMillis) {
        this.options = options;
        this.dynamo = dynamo;
        this.dynamoEndpoint = dynamoEndpoint;
        this.http = http;
        this.client = client;
        this.app = app;
        this.server = server;
        this.adminToken = adminToken;
        this.adminTokenGenerated = adminTokenGenerated;
        this.table = table;
        this.startMillis = startMillis;
        this.sinceJvmStartMillis = sinceJvmStartMillis;
    }

    /** How far the journal may run ahead of the store before requests wait for it (backpressure). */
    static final long JOURNAL_MAX_BACKLOG_BYTES = 2L * 1024 * 1024 * 1024;

    public static void main(String[] args) {
        exitOnOutOfMemory();
        GatewayHttpServer.preferNoDelay();
        for (String arg : args) {
            if (arg.equals("--help") || arg.equals("-h")) {
                System.out.println(USAGE);
                return;
            }
        }
        Options options;
        try {
            options = Options.parse(args);
        } catch (UsageException e) {
            System.err.println("gateway-local: " + e.getMessage());
            System.err.println();
            System.err.println(USAGE);
            System.exit(2);
            return;
        }
        LocalRuntime runtime;
        try {
            runtime = start(options);
        } catch (Exception | LinkageError e) {
            System.err.println("gateway-local: could not start: " + explain(e, options));
            if (Boolean.getBoolean("gateway.local.debug")) {
                e.printStackTrace();
            } else {
                System.err.println("(run with -Dgateway.local.debug=true for the stack trace)");
            }
            System.exit(1);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(runtime::close, "gateway-local-shutdown"));
        runtime.printBanner(System.out);
        runtime.awaitClose();
    }

    /**
     * An OutOfMemoryError ends the process (as -XX:+ExitOnOutOfMemoryError would, which a jar cannot set for itself)
     * rather than leaving a port open that answers nothing because the server's dispatcher thread died.
     */
    static void exitOnOutOfMemory() {
        Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler((thread, error) -> {
            if (error instanceof OutOfMemoryError) {
                System.err.println("gateway-local: out of memory in thread " + thread.getName() + "; exiting");
                Runtime.getRuntime().halt(3);
            }
            if (previous != null) {
                previous.uncaughtException(thread, error);
            } else {
                error.printStackTrace();
            }
        });
    }

    /** Starts everything; on failure, stops whatever had started and rethrows. */
    public static LocalRuntime start(Options options) throws Exception {
        long begin = System.nanoTime();
        Map<String, String> env = new HashMap<>(System.getenv());
        env.putAll(options.env());

        boolean tokenGenerated = isBlank(env.get("GATEWAY_ADMIN_TOKEN"));
        if (tokenGenerated) {
            env.put("GATEWAY_ADMIN_TOKEN", randomToken());
        }
        if (isBlank(env.get("GATEWAY_METRICS"))) {
            env.put("GATEWAY_METRICS", "off"); // EMF documents on stdout only make sense in Lambda
        }
        if (isBlank(env.get("GATEWAY_TABLE"))) {
            env.put("GATEWAY_TABLE", DEFAULT_TABLE);
        }
        String region = isBlank(env.get("AWS_REGION")) ? DEFAULT_REGION : env.get("AWS_REGION").trim();
        GatewayConfig config = GatewayConfig.fromEnv(env); // bad settings fail here, before anything starts
        InetSocketAddress address = new InetSocketAddress(InetAddress.getByName(options.host()), options.port());

        List<AutoCloseable> started = new ArrayList<>();
        StoreStats storeStats = new StoreStats();
        Map<String, Long> phases = new LinkedHashMap<>();
        long mark = System.nanoTime();
        try {
            // DynamoDB Local and the SDK client each take about half a second to load; they start side by side,
            // on a loopback port reserved beforehand (taken in between, unlikely: once more on a new port).
            EmbeddedDynamoDb.quietLogging();
            Path dataDir = options.inMemory() ? null : options.dataDir();
            EmbeddedDynamoDb dynamo = null;
            DynamoDbClient client = null;
            SdkHttpClient http = null;
            URI endpoint = options.dynamodb();
            if (endpoint != null) {
                // --dynamodb: a store in another process (DynamoDB Local, moto_server...); nothing to start here
                http = httpClient();
                started.add(http);
                client = gatewayClient(http, endpoint, region, storeStats);
                started.add(client);
                mark = phase(phases, "sdk-client", mark);
            }
            for (int attempt = 1; endpoint == null && dynamo == null; attempt++) {
                int dynamoPort = EmbeddedDynamoDb.freeLoopbackPort();
                FutureTask<EmbeddedDynamoDb> starting =
                        new FutureTask<>(() -> EmbeddedDynamoDb.start(dataDir, dynamoPort));
                Thread.ofPlatform().name("dynamodb-local-start").start(starting);
                SdkHttpClient candidateHttp = null;
                DynamoDbClient candidate;
                try {
                    candidateHttp = httpClient();
                    candidate = gatewayClient(candidateHttp, URI.create("http://127.0.0.1:" + dynamoPort), region,
                            storeStats);
                } catch (RuntimeException | Error e) {
                    if (candidateHttp != null) {
                        candidateHttp.close();
                    }
                    try {
                        starting.get().close();
                    } catch (Exception | Error suppressed) {
                        e.addSuppressed(suppressed);
                    }
                    throw e;
                }
                try {
                    dynamo = starting.get();
                    client = candidate;
                    http = candidateHttp;
                } catch (ExecutionException e) {
                    candidate.close();
                    candidateHttp.close();
                    Throwable cause = e.getCause();
                    if (!causedBy(cause, BindException.class) || attempt == 3) {
                        if (cause instanceof Exception ex) {
                            throw ex;
                        }
                        throw (Error) cause;
                    }
                }
            }
            if (dynamo != null) {
                started.add(dynamo);
                started.add(http);
                started.add(client);
                endpoint = dynamo.endpoint();
                mark = phase(phases, "dynamodb-local+sdk-client", mark);
            }
            // Without the gateway's short call timeouts: creating the table may take seconds on a loaded machine.
            try (DynamoDbClient setup = setupClient(http, endpoint, region)) {
                TableSchema.createIfMissing(setup, config.tableName());
            } catch (SdkClientException e) {
                if (options.dynamodb() != null) {
                    throw new IllegalArgumentException("cannot reach DynamoDB at --dynamodb " + endpoint
                            + " (" + e.getMessage() + "); is it running?", e);
                }
                throw e;
            }
            mark = phase(phases, "table", mark);
            RequestMetrics metrics = RequestMetrics.standard(config.emitMetrics());
            if (options.cloudwatch()) {
                CloudWatchMetricsSink sink = new CloudWatchMetricsSink(http, DefaultCredentialsProvider.builder().build(),
                        CloudWatchMetricsSink.endpointFromEnv(region), region, 5_000);
                started.add(sink);
                metrics = new RequestMetrics(sink, true);
            }
            // Request records: a durable journal under --data (kill -9 loses nothing), or a byte-bounded queue
            // with backpressure --in-memory; either is drained in process by the same ingest as on AWS.
            RecordJournal journal = dataDir == null
                    ? new MemoryJournal(GatewayApp.MEMORY_JOURNAL_BYTES, GatewayApp.APPEND_WAIT_MS)
                    : new FileJournal(dataDir, JOURNAL_MAX_BACKLOG_BYTES, GatewayApp.APPEND_WAIT_MS);
            // Stored provider keys (BYOK): encrypted under --data (DIR/provider-keys.json, key file
            // DIR/provider-keys.key, both owner-only); in process memory only with --in-memory.
            ProviderKeyVault vault = dataDir == null ? ProviderKeyVault.inMemory() : new LocalFileVault(dataDir);
            // Spend alerts: to the SNS topic GATEWAY_SPEND_ALERTS_TOPIC_ARN names (AWS_ENDPOINT_URL honoured, so
            // moto_server or LocalStack work), else as WARN lines of this process's log.
            String topic = config.env().getOrDefault(LogIngestHandler.ALERTS_TOPIC_VARIABLE, "");
            AlertPublisher alerts = AlertPublisher.logging();
            if (!topic.isBlank()) {
                var snsBuilder = SnsClient.builder().region(Region.of(region)).httpClient(http);
                String snsEndpoint = firstNonBlank(config.env().get("AWS_ENDPOINT_URL_SNS"),
                        config.env().get("AWS_ENDPOINT_URL"));
                if (snsEndpoint != null) {
                    snsBuilder.endpointOverride(URI.create(snsEndpoint));
                }
                String keyId = config.env().get("AWS_ACCESS_KEY_ID");
                String secret = config.env().get("AWS_SECRET_ACCESS_KEY");
                if (!isBlank(keyId) && !isBlank(secret)) { // else the SDK's default chain
                    snsBuilder.credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(keyId,
                            secret)));
                }
                SnsClient sns = snsBuilder.build();
                started.add(sns);
                alerts = new SnsAlertPublisher(sns, topic);
            }
            GatewayApp app = GatewayApp.create(config, client, metrics, storeStats, journal,
                    options.plugins() == null ? io.aigateway.plugin.PluginLoader.fromClassPath(
                            GatewayApp.class.getClassLoader())
                            : io.aigateway.plugin.PluginLoader.fromDirectory(options.plugins()), vault, alerts);
            started.add(app);
            mark = phase(phases, "gateway", mark);
            GatewayHttpServer server = GatewayHttpServer.start(app.gateway(), address);
            started.add(server);
            phase(phases, "http-server", mark);
            long startMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin);
            long sinceJvmStart = System.currentTimeMillis() - ManagementFactory.getRuntimeMXBean().getStartTime();
            if (Boolean.getBoolean("gateway.local.debug")) {
                System.err.println("gateway-local: start-up phases (ms) " + phases);
            }
            return new LocalRuntime(options, dynamo, endpoint, http, client, app, server,
                    config.adminToken().orElseThrow(), tokenGenerated, config.tableName(), startMillis, sinceJvmStart);
        } catch (Exception | Error e) {
            closeAll(started.reversed(), e);
            throw e;
        }
    }

    /** One connection pool for both clients; sized like the gateway's own in Lambda (io.aigateway.store.AwsClients). */
    private static SdkHttpClient httpClient() {
        return Apache5HttpClient.builder()
                .maxConnections(256)
                .connectionTimeout(Duration.ofSeconds(2))
                .socketTimeout(Duration.ofSeconds(30))
                .build();
    }

    /** The gateway's client: the short per-call timeouts it has in Lambda, which its fail-open store steps rely on. */
    private static DynamoDbClient gatewayClient(SdkHttpClient http, URI endpoint, String region, StoreStats stats) {
        return clientBuilder(http, endpoint, region)
                .overrideConfiguration(ClientOverrideConfiguration.builder()
                        .apiCallAttemptTimeout(Duration.ofSeconds(2))
                        .apiCallTimeout(Duration.ofSeconds(5))
                        .addExecutionInterceptor(stats) // GET /api/v1/stats: store calls per request
                        .build())
                .build();
    }

    /** For creating the table at start-up: no call timeouts beyond the socket's. */
    private static DynamoDbClient setupClient(SdkHttpClient http, URI endpoint, String region) {
        return clientBuilder(http, endpoint, region).build();
    }

    private static DynamoDbClientBuilder clientBuilder(SdkHttpClient http, URI endpoint, String region) {
        return DynamoDbClient.builder()
                .endpointOverride(endpoint)
                .region(Region.of(region))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                .httpClient(http);
    }

    private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    private static long phase(Map<String, Long> phases, String name, long since) {
        long now = System.nanoTime();
        phases.put(name, TimeUnit.NANOSECONDS.toMillis(now - since));
        return now;
    }

    /** The OpenAI base URL through the gateway, e.g. {@code http://127.0.0.1:8787/v1/local/default/openai}. */
    public String baseUrl() {
        return rootUrl() + "/v1/" + ACCOUNT + "/" + GATEWAY + "/openai";
    }

    /** The server's root, e.g. {@code http://127.0.0.1:8787}. */
    public String rootUrl() {
        return "http://" + urlHost(options.host()) + ":" + port();
    }

    /** The bound port (the real one when started with port 0). */
    public int port() {
        return server.port();
    }

    public String adminToken() {
        return adminToken;
    }

    /** Where the embedded DynamoDB Local answers (loopback), or the {@code --dynamodb} endpoint. */
    public URI dynamoEndpoint() {
        return dynamoEndpoint;
    }

    public DynamoDbClient dynamoClient() {
        return client;
    }

    public String table() {
        return table;
    }

    /** Milliseconds spent in {@link #start(Options)}. */
    public long startMillis() {
        return startMillis;
    }

    /** Milliseconds from JVM start until the server was ready (what a user waits after typing the command). */
    public long sinceJvmStartMillis() {
        return sinceJvmStartMillis;
    }

    public void printBanner(PrintStream out) {
        String root = rootUrl();
        String storage = options.inMemory() ? "in memory (nothing is kept)"
                : options.dataDir().toAbsolutePath().normalize().toString();
        out.printf("AI gateway (local) ready in %d ms since JVM start (%d ms setting up)%n",
                sinceJvmStartMillis, startMillis);
        if (dynamo != null) {
            out.printf("  data:        %s, DynamoDB Local at %s, table %s%n", storage, dynamoEndpoint, table);
        } else {
            out.printf("  data:        journal %s, DynamoDB at %s (--dynamodb), table %s%n",
                    options.inMemory() ? "in memory" : "in " + options.dataDir().resolve("journal")
                            .toAbsolutePath().normalize(), dynamoEndpoint, table);
        }
        out.printf("  base URL:    %s%n", baseUrl());
        out.printf("  admin token: %s  (%s)%n", adminToken, adminTokenGenerated
                ? "generated for this run; set GATEWAY_ADMIN_TOKEN to choose one"
                : "from GATEWAY_ADMIN_TOKEN");
        out.println();
        out.println("Chat completion through the gateway (your OpenAI key goes to OpenAI only):");
        out.printf("  curl %s/chat/completions \\%n", baseUrl());
        out.println("    -H \"Authorization: Bearer $OPENAI_API_KEY\" -H \"Content-Type: application/json\" \\");
        out.println("    -d '{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Say hello\"}]}'");
        out.println("Its request log:");
        out.printf("  curl %s/api/v1/gateways/%s/logs -H \"Authorization: Bearer %s\"%n", root, GATEWAY, adminToken);
        out.println();
        out.println("Press Ctrl-C to stop.");
        out.flush();
    }

    /** Blocks until {@link #close()} has run. */
    public void awaitClose() {
        boolean interrupted = false;
        while (true) {
            try {
                stopped.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops the HTTP server, the gateway, the DynamoDB client and DynamoDB Local, in that order. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            closeAll(Stream.<AutoCloseable>of(server, app, client, http, dynamo).filter(Objects::nonNull).toList(), null);
        } finally {
            stopped.countDown();
        }
    }

    private static void closeAll(List<AutoCloseable> resources, Throwable primary) {
        for (AutoCloseable resource : resources) {
            try {
                resource.close();
            } catch (Exception | Error e) {
                if (primary != null) {
                    primary.addSuppressed(e);
                } else {
                    System.err.println("gateway-local: error while stopping " + resource.getClass().getSimpleName()
                            + ": " + e);
                }
            }
        }
    }

    private static String explain(Throwable e, Options options) {
        if (options.dynamodb() != null && e instanceof IllegalArgumentException && e.getCause() instanceof SdkClientException) {
            return e.getMessage();
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BindException) {
                return "cannot listen on " + options.host() + ":" + options.port() + " (" + t.getMessage()
                        + "); choose another --port, or --port 0 for any free port";
            }
            if (t instanceof UnknownHostException) {
                return "unknown --host " + options.host();
            }
        }
        if (e instanceof IllegalArgumentException && e.getMessage() != null) {
            return e.getMessage(); // a bad setting, e.g. GATEWAY_UPSTREAM_OPENAI=not-a-url
        }
        return e.toString();
    }

    static String urlHost(String host) {
        try {
            InetAddress address = InetAddress.getByName(host);
            if (address.isAnyLocalAddress()) {
                return "127.0.0.1"; // listening everywhere; loopback is the address that surely works here
            }
        } catch (UnknownHostException e) {
            return host;
        }
        return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
    }

    /** 32 URL-safe characters (192 random bits). */
    static String randomToken() {
        byte[] bytes = new byte[24];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static boolean isBlank(String value) {
        return value == null || value.isBlank();
    }

    /** Thrown for a command line that does not parse; {@link #main} prints it with the usage and exits with 2. */
    public static final class UsageException extends IllegalArgumentException {
        public UsageException(String message) {
            super(message);
        }
    }

    /**
     * What to start.
     *
     * @param port     0 to 65535; 0 picks a free port
     * @param host     address to listen on
     * @param dataDir  DynamoDB Local's folder; {@code null} exactly when {@code inMemory}
     * @param inMemory keep nothing
     * @param env      entries laid over the process environment (tests point providers at loopback upstreams)
     * @param dynamodb an external DynamoDB endpoint ({@code --dynamodb}); {@code null} starts the embedded one
     * @param plugins  a folder of plug-in jars ({@code --plugins}); {@code null}: the class path's only
     */
    public record Options(int port, String host, Path dataDir, boolean inMemory, Map<String, String> env,
                          boolean cloudwatch, URI dynamodb, Path plugins) {
        public static final int DEFAULT_PORT = 8787;
        public static final String DEFAULT_HOST = "127.0.0.1";
        public static final Path DEFAULT_DATA = Path.of(".gateway-data");

        public Options {
            if (port < 0 || port > 65535) {
                throw new UsageException("--port must be between 0 and 65535, got " + port);
            }
            if (host == null || host.isBlank()) {
                throw new UsageException("--host must not be empty");
            }
            if (inMemory && dataDir != null) {
                throw new UsageException("--data and --in-memory exclude each other");
            }
            if (!inMemory && dataDir == null) {
                dataDir = DEFAULT_DATA;
            }
            env = Map.copyOf(env);
            if (dynamodb != null) {
                dynamodb = checkEndpoint(dynamodb.toString());
            }
        }

        /** Without {@code --dynamodb}: the embedded DynamoDB Local. */
        public Options(int port, String host, Path dataDir, boolean inMemory, Map<String, String> env,
                       boolean cloudwatch) {
            this(port, host, dataDir, inMemory, env, cloudwatch, null, null);
        }

        /** Without {@code --plugins}. */
        public Options(int port, String host, Path dataDir, boolean inMemory, Map<String, String> env,
                       boolean cloudwatch, URI dynamodb) {
            this(port, host, dataDir, inMemory, env, cloudwatch, dynamodb, null);
        }

        public static Options defaults() {
            return new Options(DEFAULT_PORT, DEFAULT_HOST, DEFAULT_DATA, false, Map.of(), false, null, null);
        }

        /** An http(s) URL with a host, e.g. {@code http://127.0.0.1:8000}. */
        static URI checkEndpoint(String text) {
            URI uri;
            try {
                uri = new URI(text.trim());
            } catch (java.net.URISyntaxException e) {
                throw new UsageException("--dynamodb takes a URL such as http://127.0.0.1:8000, got '" + text + "'");
            }
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
            if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
                throw new UsageException("--dynamodb takes a URL such as http://127.0.0.1:8000, got '" + text + "'");
            }
            return uri;
        }

        /** Parses the command line (without {@code --help}, which {@link #main} handles). */
        public static Options parse(String... args) {
            Integer port = null;
            String host = null;
            Path dataDir = null;
            boolean inMemory = false;
            boolean cloudwatch = false;
            URI dynamodb = null;
            Path plugins = null;
            for (int i = 0; i < args.length; i++) {
                String arg = args[i];
                String value = null;
                int eq = arg.indexOf('=');
                if (arg.startsWith("--") && eq > 0) {
                    value = arg.substring(eq + 1);
                    arg = arg.substring(0, eq);
                }
                switch (arg) {
                    case "--port" -> {
                        if (port != null) {
                            throw new UsageException("--port given twice");
                        }
                        String text = value != null ? value : next(args, ++i, arg);
                        try {
                            port = Integer.parseInt(text);
                        } catch (NumberFormatException e) {
                            throw new UsageException("--port takes a number, got '" + text + "'");
                        }
                        if (port < 0 || port > 65535) {
                            throw new UsageException("--port must be between 0 and 65535, got " + port);
                        }
                    }
                    case "--host" -> {
                        if (host != null) {
                            throw new UsageException("--host given twice");
                        }
                        host = value != null ? value : next(args, ++i, arg);
                    }
                    case "--data" -> {
                        if (dataDir != null) {
                            throw new UsageException("--data given twice");
                        }
                        String text = value != null ? value : next(args, ++i, arg);
                        if (text.isBlank()) {
                            throw new UsageException("--data takes a folder");
                        }
                        dataDir = Path.of(text);
                    }
                    case "--in-memory" -> {
                        if (value != null) {
                            throw new UsageException("--in-memory takes no value");
                        }
                        inMemory = true;
                    }
                    case "--dynamodb" -> {
                        if (dynamodb != null) {
                            throw new UsageException("--dynamodb given twice");
                        }
                        dynamodb = checkEndpoint(value != null ? value : next(args, ++i, arg));
                    }
                    case "--plugins" -> {
                        if (plugins != null) {
                            throw new UsageException("--plugins given twice");
                        }
                        String text = value != null ? value : next(args, ++i, arg);
                        if (!java.nio.file.Files.isDirectory(Path.of(text))) {
                            throw new UsageException("--plugins takes a folder of plug-in jars; '" + text
                                    + "' is not a folder");
                        }
                        plugins = Path.of(text);
                    }
                    case "--cloudwatch" -> {
                        if (value != null) {
                            throw new UsageException("--cloudwatch takes no value");
                        }
                        cloudwatch = true;
                    }
                    default -> throw new UsageException("unknown option '" + args[i] + "'");
                }
            }
            if (inMemory && dataDir != null) {
                throw new UsageException("--data and --in-memory exclude each other");
            }
            return new Options(port == null ? DEFAULT_PORT : port, host == null ? DEFAULT_HOST : host,
                    inMemory ? null : dataDir == null ? DEFAULT_DATA : dataDir, inMemory, Map.of(), cloudwatch, dynamodb,
                    plugins);
        }

        private static String next(String[] args, int index, String option) {
            if (index >= args.length || args[index].startsWith("--")) {
                throw new UsageException(option + " needs a value");
            }
            return args[index];
        }

        /** A copy with these environment entries laid over the process environment (later ones win). */
        public Options withEnv(Map<String, String> entries) {
            Map<String, String> merged = new LinkedHashMap<>(env);
            merged.putAll(entries);
            return new Options(port, host, dataDir, inMemory, merged, cloudwatch, dynamodb, plugins);
        }
    }

    private static String firstNonBlank(String... values) {
        for (String v : values) {
            if (v != null && !v.isBlank()) {
                return v.trim();
            }
        }
        return null;
    }
}

package io.aigateway.testing;

import io.aigateway.store.TableSchema;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandler;
import org.eclipse.jetty.server.handler.ContextHandlerCollection;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.dynamodb.services.local.server.LocalDynamoDBRequestHandler;
import software.amazon.dynamodb.services.local.server.LocalDynamoDBServerHandler;

/**
 * One DynamoDB Local per test JVM: in memory, an HTTP server on 127.0.0.1 and a free port, started on
 * first use and stopped when the JVM exits. Tests isolate themselves with {@link #newTable()}.
 *
 * <pre>
 * String table = DynamoDbLocal.newTable();
 * var store = new SomeStore(DynamoDbLocal.client(), table);
 * </pre>
 *
 * <p>SQLite: the module's surefire configuration sets {@code -Dsqlite4java.library.path=target/native-libs},
 * where the build copies {@code libsqlite4java-linux-amd64.so}; when that file is there, DynamoDB Local is
 * told to load it. Otherwise (an IDE run, another OS) DynamoDB Local 3.x loads the copy inside its own jar.
 */
public final class DynamoDbLocal {
    private static final String LIBRARY_PATH = "sqlite4java.library.path";
    private static final AtomicInteger TABLES = new AtomicInteger();
    /** sqlite4java logs through java.util.logging; held here because JUL forgets the level of a collected logger. */
    private static final java.util.logging.Logger SQLITE4JAVA_LOG =
            java.util.logging.Logger.getLogger("com.almworks.sqlite4java");
    private static final String RUN = UUID.randomUUID().toString().substring(0, 8);

    private static DynamoDbLocal instance;
    private static Throwable failure;

    private final Server server;
    private final LocalDynamoDBServerHandler handler;
    private final URI endpoint;
    private final DynamoDbClient client;
    private final ExternalDynamoDb external;

    private DynamoDbLocal(Server server, LocalDynamoDBServerHandler handler, URI endpoint, DynamoDbClient client,
                          ExternalDynamoDb external) {
        this.server = server;
        this.handler = handler;
        this.endpoint = endpoint;
        this.client = client;
        this.external = external;
    }

    /** A client for the shared instance (dummy credentials, us-east-1, Apache 5 HTTP client). Do not close it. */
    public static DynamoDbClient client() {
        return get().client;
    }

    /** Where DynamoDB Local answers, e.g. {@code http://127.0.0.1:41234}. */
    public static URI endpoint() {
        return get().endpoint;
    }

    /** Creates a table with the gateway's schema (pk/sk, TTL on expiresAt) under a new name and returns the name. */
    public static String newTable() {
        String name = "test-" + RUN + "-" + TABLES.incrementAndGet();
        TableSchema.createIfMissing(client(), name);
        return name;
    }

    private static synchronized DynamoDbLocal get() {
        if (instance != null) {
            return instance;
        }
        if (failure != null) {
            throw new IllegalStateException("DynamoDB Local failed to start earlier in this JVM", failure);
        }
        try {
            instance = start();
            DynamoDbLocal started = instance;
            Runtime.getRuntime().addShutdownHook(new Thread(started::stop, "dynamodb-local-stop"));
            return instance;
        } catch (Exception | LinkageError e) {
            failure = e;
            throw new IllegalStateException("could not start DynamoDB Local", e);
        }
    }

    private static DynamoDbLocal start() throws Exception {
        java.util.Optional<ExternalDynamoDb> external;
        try {
            external = java.util.ServiceLoader.load(ExternalDynamoDb.class).findFirst();
        } catch (java.util.ServiceConfigurationError staleRegistration) {
            external = java.util.Optional.empty(); // left in target/ by an earlier -Plocalstack build
        }
        if (external.isPresent()) {
            URI endpoint = external.get().start();
            return new DynamoDbLocal(null, null, endpoint, clientFor(endpoint), external.get());
        }
        String libraryPath = System.getProperty(LIBRARY_PATH);
        if (libraryPath != null && System.getProperty("org.sqlite.lib.path") == null) {
            String name = System.mapLibraryName("sqlite4java-linux-amd64");
            if (Files.isRegularFile(Path.of(libraryPath, name))
                    && System.getProperty("os.name", "").startsWith("Linux")
                    && System.getProperty("os.arch", "").equals("amd64")) {
                System.setProperty("org.sqlite.lib.path", libraryPath); // read by DynamoDB Local's loader
                System.setProperty("org.sqlite.lib.name", name);
            }
        }
        SQLITE4JAVA_LOG.setLevel(java.util.logging.Level.WARNING);
        if (System.getProperty("org.slf4j.simpleLogger.log.org.eclipse.jetty") == null) {
            System.setProperty("org.slf4j.simpleLogger.log.org.eclipse.jetty", "warn");
        }
        // What ServerRunner builds for "-inMemory -sharedDb", on 127.0.0.1:0. ServerRunner and DynamoDBProxyServer
        // themselves cannot be used: they link against the Pinpoint SDK module (telemetry) that the parent pom
        // excludes, and fail with NoClassDefFoundError even with -disableTelemetry.
        LocalDynamoDBServerHandler handler = new LocalDynamoDBServerHandler(
                new LocalDynamoDBRequestHandler(0, true, null, true, false), null);
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        ContextHandler context = new ContextHandler();
        context.setHandler(handler);
        server.setHandler(new ContextHandlerCollection(context));
        server.start();
        int port = connector.getLocalPort();
        URI endpoint = URI.create("http://127.0.0.1:" + port);
        return new DynamoDbLocal(server, handler, endpoint, clientFor(endpoint), null);
    }

    private static DynamoDbClient clientFor(URI endpoint) {
        return DynamoDbClient.builder()
                .endpointOverride(endpoint)
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                .httpClientBuilder(Apache5HttpClient.builder())
                .build();
    }

    private void stop() {
        client.close();
        if (external != null) {
            external.stop();
            return;
        }
        try {
            server.stop();
        } catch (Exception e) {
            // the JVM is exiting; nothing to keep
        }
        handler.close();
    }
}

package io.aigateway.local;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandler;
import org.eclipse.jetty.server.handler.ContextHandlerCollection;
import software.amazon.dynamodb.services.local.server.LocalDynamoDBRequestHandler;
import software.amazon.dynamodb.services.local.server.LocalDynamoDBServerHandler;

/**
 * DynamoDB Local 3.x serving HTTP inside this JVM, on 127.0.0.1 and a port the kernel picks.
 *
 * <p>This is what {@code ServerRunner.createServer} builds (the same request handler in the same Jetty
 * handler tree, shared database, no CORS), minus two things: the connector listens on loopback instead of
 * every interface, and nothing touches DynamoDB Local's telemetry. {@code ServerRunner} and
 * {@code DynamoDBProxyServer} cannot be used here: both link against the Pinpoint SDK module (telemetry),
 * which the parent pom excludes, and fail with {@code NoClassDefFoundError} even with
 * {@code -disableTelemetry}.
 */
final class EmbeddedDynamoDb implements AutoCloseable {
    /** sqlite4java logs through java.util.logging; held here because JUL forgets the level of a collected logger. */
    private static final java.util.logging.Logger SQLITE4JAVA_LOG =
            java.util.logging.Logger.getLogger("com.almworks.sqlite4java");

    private final Server jetty;
    private final LocalDynamoDBServerHandler handler;
    private final URI endpoint;

    private EmbeddedDynamoDb(Server jetty, LocalDynamoDBServerHandler handler, URI endpoint) {
        this.jetty = jetty;
        this.handler = handler;
        this.endpoint = endpoint;
    }

    /** Log levels for DynamoDB Local (log4j2), its Jetty (slf4j) and sqlite4java (JUL); set before they load. */
    static void quietLogging() {
        setIfAbsent("log4j2.configurationFile", "gateway-local-log4j2.xml");
        setIfAbsent("log4j2.disable.jmx", "true");
        setIfAbsent("log4j2.statusLoggerLevel", "ERROR");
        setIfAbsent("org.slf4j.simpleLogger.log.org.eclipse.jetty", "warn");
        SQLITE4JAVA_LOG.setLevel(java.util.logging.Level.WARNING); // "[sqlite] DB[1]: opened" and the like
    }

    /**
     * @param dataDir folder of the database file ({@code shared-local-instance.db}); {@code null} keeps
     *                everything in memory
     * @param port    loopback port to listen on; 0 lets the kernel pick one
     */
    static EmbeddedDynamoDb start(Path dataDir, int port) throws Exception {
        quietLogging();
        NativeLibraries.prepareSqlite4java();
        String dbPath = null;
        if (dataDir != null) {
            Files.createDirectories(dataDir);
            dbPath = dataDir.toAbsolutePath().toString();
        }
        // (unused int, inMemory, dbPath, sharedDb: one database whatever the client's keys and region,
        //  delayTransientStatuses) -- the arguments ServerRunner passes for "-sharedDb [-inMemory | -dbPath]"
        LocalDynamoDBServerHandler handler = new LocalDynamoDBServerHandler(
                new LocalDynamoDBRequestHandler(0, dataDir == null, dbPath, true, false), null);
        Server jetty = new Server();
        ServerConnector connector = new ServerConnector(jetty);
        connector.setHost("127.0.0.1");
        connector.setPort(port);
        jetty.addConnector(connector);
        ContextHandler context = new ContextHandler();
        context.setHandler(handler);
        jetty.setHandler(new ContextHandlerCollection(context));
        try {
            jetty.start();
        } catch (Exception | Error e) {
            try {
                jetty.stop();
            } catch (Exception suppressed) {
                e.addSuppressed(suppressed);
            }
            handler.close();
            throw e;
        }
        return new EmbeddedDynamoDb(jetty, handler, URI.create("http://127.0.0.1:" + connector.getLocalPort()));
    }

    /** A port that was free on 127.0.0.1 a moment ago (for callers that must know it before the server starts). */
    static int freeLoopbackPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return socket.getLocalPort();
        }
    }

    URI endpoint() {
        return endpoint;
    }

    @Override
    public void close() throws Exception {
        try {
            jetty.stop();
        } finally {
            handler.close(); // closes the SQLite database (flushes it to DIR with --data)
        }
    }

    private static void setIfAbsent(String name, String value) {
        if (System.getProperty(name) == null) {
            System.setProperty(name, value);
        }
    }
}

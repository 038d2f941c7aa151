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
 *
 * <p>{@link #main} runs it alone, in a process of its own (what DynamoDB Local's
 * {@code -sharedDb -dbPath DIR -port P} does, on loopback), for the local runtime's {@code --dynamodb URL}:
 * <pre>java -cp infra/local/target/gateway-local.jar io.aigateway.local.EmbeddedDynamoDb --data DIR --port 8000</pre>
 */
final class EmbeddedDynamoDb implements AutoCloseable {
    static final String USAGE = """
            Usage: java -cp infra/local/target/gateway-local.jar io.aigateway.local.EmbeddedDynamoDb \\
                     (--data DIR | --in-memory) [--port 8000]

            Runs DynamoDB Local alone on 127.0.0.1 (shared database: any credentials and region see the same tables),
            for the gateway's --dynamodb http://127.0.0.1:PORT.

              --data DIR     keep the database in DIR/shared-local-instance.db (as DynamoDB Local's -dbPath DIR)
              --in-memory    keep nothing (as -inMemory)
              --port N       loopback port (default 8000; 0 picks a free one; the address is printed)
              --help         print this help

            Stops on SIGTERM or Ctrl-C (closing the database).""";

    /** DynamoDB Local alone: {@code (--data DIR | --in-memory) [--port 8000]}; prints its URL, runs until stopped. */
    public static void main(String[] args) throws Exception {
        Path dataDir = null;
        boolean inMemory = false;
        int port = 8000;
        try {
            for (int i = 0; i < args.length; i++) {
                String arg = args[i];
                String value = null;
                int eq = arg.indexOf('=');
                if (arg.startsWith("--") && eq > 0) {
                    value = arg.substring(eq + 1);
                    arg = arg.substring(0, eq);
                }
                switch (arg) {
                    case "--help", "-h" -> {
                        System.out.println(USAGE);
                        return;
                    }
                    case "--data" -> {
                        String text = value != null ? value : argValue(args, ++i, arg);
                        if (text.isBlank()) {
                            throw new IllegalArgumentException("--data takes a folder");
                        }
                        dataDir = Path.of(text);
                    }
                    case "--in-memory" -> inMemory = true;
                    case "--port" -> {
                        String text = value != null ? value : argValue(args, ++i, arg);
                        try {
                            port = Integer.parseInt(text);
                        } catch (NumberFormatException e) {
                            throw new IllegalArgumentException("--port takes a number, got '" + text + "'");
                        }
                        if (port < 0 || port > 65535) {
                            throw new IllegalArgumentException("--port must be between 0 and 65535, got " + port);
                        }
                    }
                    default -> throw new IllegalArgumentException("unknown option '" + args[i] + "'");
                }
            }
            if (inMemory == (dataDir != null)) {
                throw new IllegalArgumentException("give either --data DIR or --in-memory");
            }
        } catch (IllegalArgumentException e) {
            System.err.println("dynamodb-local: " + e.getMessage());
            System.err.println();
            System.err.println(USAGE);
            System.exit(2);
            return;
        }
        LocalRuntime.exitOnOutOfMemory();
        EmbeddedDynamoDb dynamo;
        try {
            dynamo = start(dataDir, port);
        } catch (Exception e) {
            System.err.println("dynamodb-local: could not start on 127.0.0.1:" + port + ": " + e);
            System.exit(1);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                dynamo.close();
            } catch (Exception e) {
                System.err.println("dynamodb-local: error while stopping: " + e);
            }
        }, "dynamodb-local-shutdown"));
        System.out.printf("DynamoDB Local at %s, data %s%n", dynamo.endpoint(),
                dataDir == null ? "in memory" : dataDir.toAbsolutePath().normalize() + "/shared-local-instance.db");
        System.out.flush();
        dynamo.jetty.join();
    }

    private static String argValue(String[] args, int index, String option) {
        if (index >= args.length || args[index].startsWith("--")) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[index];
    }

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

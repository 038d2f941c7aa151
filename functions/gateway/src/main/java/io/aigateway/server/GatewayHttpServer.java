package io.aigateway.server;

import io.aigateway.Gateway;
import io.aigateway.core.Headers;
import org.eclipse.jetty.http.HttpCompliance;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.ManagedSelector;
import org.eclipse.jetty.io.SocketChannelEndPoint;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.thread.VirtualThreadPool;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.Map;

/**
 * The HTTP server transport: Jetty 12 core (no servlets), every request on its own virtual thread, HTTP/1.1 and
 * cleartext HTTP/2 ({@code h2c}, prior knowledge) on one port, real streaming (each chunk the provider
 * sends is written to the client at once). It only converts ({@link GatewayHandler}); all gateway logic is in
 * {@link Gateway}. Used by the local runtime and, behind the Lambda Web Adapter, by the streaming Lambda deployment.
 *
 * <p>What it allows a client ({@link ServerLimits}, from the environment): bodies up to {@code maxRequestBytes},
 * checked on {@code Content-Length} before reading; request bodies in memory at once bounded across connections
 * ({@code GATEWAY_MAX_INFLIGHT_BODY_MB}); request headers complete within {@code GATEWAY_HEADER_TIMEOUT_MS};
 * connections idle at most {@code GATEWAY_IDLE_TIMEOUT_MS}; header lines strictly CRLF-terminated (a bare CR, LF or
 * NUL in a header is a 400). A client that disconnects while the provider works has its provider call cancelled.
 */
public final class GatewayHttpServer implements AutoCloseable {
    /** Request and response header blocks: roomy, since the adapter's request context rides in one header. */
    private static final int HEADER_BYTES = 64 * 1024;

    /**
     * The JDK server's switch for TCP_NODELAY on accepted connections, read once per JVM when the first JDK server
     * starts. This transport's connector sets TCP_NODELAY itself; the switch is for the JDK server that priming
     * still starts (a canned provider), whose answers would otherwise wait for a delayed ACK: 40 ms on Linux.
     */
    static final String NO_DELAY = "sun.net.httpserver.nodelay";

    /** Call first thing in a main method, before anything starts a JDK HTTP server (priming does). */
    public static void preferNoDelay() {
        if (System.getProperty(NO_DELAY) == null) {
            System.setProperty(NO_DELAY, "true");
        }
    }

    static {
        preferNoDelay();
    }

    private final Server server;
    private final ServerConnector connector;
    private final BodyBudget budget;

    private GatewayHttpServer(Server server, ServerConnector connector, BodyBudget budget) {
        this.server = server;
        this.connector = connector;
        this.budget = budget;
    }

    public static GatewayHttpServer start(Gateway gateway, InetSocketAddress address) {
        return start(gateway, address, gateway.maxRequestBytes());
    }

    public static GatewayHttpServer start(Gateway gateway, InetSocketAddress address, long maxRequestBytes) {
        return start(gateway, address, maxRequestBytes, Map.of());
    }

    /**
     * As {@link #start(Gateway, InetSocketAddress, long)}, plus control routes the gateway never sees: an empty
     * {@code POST} to exactly one of {@code controlRoutes}' paths runs its action and answers 204 (500 if the action
     * throws). For the Lambda Web Adapter's SnapStart hooks; the adapter answers 403 to any outside request for them.
     */
    public static GatewayHttpServer start(Gateway gateway, InetSocketAddress address, long maxRequestBytes,
                                          Map<String, Runnable> controlRoutes) {
        return start(gateway, address, maxRequestBytes, controlRoutes, behindWebAdapter(System.getenv()));
    }

    /**
     * @param trustAdapterContext take the client address from the Lambda Web Adapter's {@code x-amzn-request-context}
     *                            header on connections from loopback (see {@link #clientIp}); true only when this
     *                            process runs behind the adapter ({@link #behindWebAdapter})
     */
    public static GatewayHttpServer start(Gateway gateway, InetSocketAddress address, long maxRequestBytes,
                                          Map<String, Runnable> controlRoutes, boolean trustAdapterContext) {
        return start(gateway, address, maxRequestBytes, controlRoutes, trustAdapterContext,
                ServerLimits.fromEnv(System.getenv()));
    }

    static GatewayHttpServer start(Gateway gateway, InetSocketAddress address, long maxRequestBytes,
                                   Map<String, Runnable> controlRoutes, boolean trustAdapterContext,
                                   ServerLimits limits) {
        VirtualThreadPool threads = new VirtualThreadPool();
        threads.setName("gateway-http");
        Server server = new Server(threads);
        server.setStopTimeout(STOP_GRACE_SECONDS * 1000L);
        server.setErrorHandler(new GatewayHandler.JsonErrors());

        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        http.setRequestHeaderSize(HEADER_BYTES);
        http.setResponseHeaderSize(HEADER_BYTES);
        // a bare LF is not a line end either (a bare CR and NUL are refused by default): 400, never two headers
        http.setHttpCompliance(HttpCompliance.RFC9110.without("RFC9110_CRLF_ONLY",
                HttpCompliance.Violation.LF_HEADER_TERMINATION));
        // the path reaches the gateway as sent; RouteParser refuses encoded separators and dots with its own errors
        http.setUriCompliance(UriCompliance.UNSAFE);

        HTTP2CServerConnectionFactory h2c = new PriorKnowledgeH2c(http);
        h2c.setStreamIdleTimeout(limits.idleTimeout().toMillis());
        long headerTimeout = limits.headerTimeout().toMillis();
        ServerConnector connector = new ServerConnector(server, -1, -1, new HttpConnectionFactory(http), h2c) {
            @Override
            protected SocketChannelEndPoint newEndPoint(SocketChannel channel, ManagedSelector selector,
                                                        SelectionKey key) {
                GuardedEndPoint endPoint = new GuardedEndPoint(channel, selector, key, getScheduler(), getExecutor(),
                        headerTimeout);
                endPoint.setIdleTimeout(getIdleTimeout()); // as the default newEndPoint does
                return endPoint;
            }
        };
        connector.setHost(address.getHostString());
        connector.setPort(address.getPort());
        connector.setAcceptQueueSize(1024);
        connector.setAcceptedTcpNoDelay(true); // (the default) a streamed event never waits for a delayed ACK
        connector.setIdleTimeout(limits.idleTimeout().toMillis());
        server.addConnector(connector);

        BodyBudget budget = new BodyBudget(limits.inflightBodyBytes());
        // graceful stop: on close, connectors stop accepting and stop waits (up to the stop timeout) for the
        // requests this handler counts to complete
        server.setHandler(new GracefulHandler(new GatewayHandler(gateway, maxRequestBytes, controlRoutes,
                trustAdapterContext, budget, limits)));
        try {
            server.start();
        } catch (Exception e) {
            try {
                server.stop();
            } catch (Exception ignored) {
                // already failing
            }
            throw new UncheckedIOException("cannot listen on " + address,
                    e instanceof IOException io ? io : new IOException(e));
        }
        return new GatewayHttpServer(server, connector, budget);
    }

    /**
     * Cleartext HTTP/2 with prior knowledge only ({@code curl --http2-prior-knowledge}); an HTTP/1.1 request asking to
     * {@code Upgrade: h2c} is simply served over HTTP/1.1. Jetty runs an upgraded request as an HTTP/2 stream without
     * the idle-timeout handling of the others: a provider slower than the idle timeout would get it reset.
     */
    private static final class PriorKnowledgeH2c extends HTTP2CServerConnectionFactory {
        PriorKnowledgeH2c(HttpConfiguration http) {
            super(http);
        }

        @Override
        public Connection upgradeConnection(Connector connector, EndPoint endPoint, MetaData.Request request,
                                            HttpFields.Mutable response) {
            return HttpMethod.PRI.is(request.getMethod())
                    ? super.upgradeConnection(connector, endPoint, request, response) : null;
        }
    }

    /** The bound port (useful with port 0). */
    public int port() {
        return connector.getLocalPort();
    }

    /** The server's in-flight body budget (tests, diagnostics). */
    BodyBudget bodyBudget() {
        return budget;
    }

    /** How long {@link #close()} lets requests in progress finish: their answers, and so their records, complete. */
    public static final int STOP_GRACE_SECONDS = 5;

    /**
     * Stops taking connections, lets requests in progress finish (at most {@value #STOP_GRACE_SECONDS} s; returns as
     * soon as none is left: Jetty's graceful stop through the {@link GracefulHandler}), then ends whatever still runs.
     */
    @Override
    public void close() {
        try {
            server.stop();
        } catch (java.util.concurrent.TimeoutException late) {
            // requests still running after the grace period (clients not reading their answers): ended
            org.slf4j.LoggerFactory.getLogger(GatewayHttpServer.class).info(
                    "requests still in progress {} s after stopping were ended", STOP_GRACE_SECONDS);
        } catch (Exception e) {
            org.slf4j.LoggerFactory.getLogger(GatewayHttpServer.class).warn("stopping the HTTP server failed", e);
        }
    }

    /** The header the Lambda Web Adapter puts the invocation's request context in (JSON), replacing any sent. */
    static final String ADAPTER_CONTEXT = "x-amzn-request-context";
    private static final int MAX_CONTEXT_CHARS = 64 * 1024;

    /**
     * True when this process serves behind the Lambda Web Adapter (the template's Streaming=true): the adapter runs
     * as the exec wrapper, and its {@code AWS_LWA_*} settings are present.
     */
    public static boolean behindWebAdapter(Map<String, String> env) {
        if (!isBlank(env.get("AWS_LAMBDA_EXEC_WRAPPER"))) {
            return true;
        }
        for (Map.Entry<String, String> e : env.entrySet()) {
            if (e.getKey().startsWith("AWS_LWA_") && !isBlank(e.getValue())) {
                return true;
            }
        }
        return false;
    }

    /**
     * Who the client is. Behind the Lambda Web Adapter every connection comes from the adapter on loopback, and the
     * client's address is the function URL's {@code requestContext.http.sourceIp} (API Gateway REST:
     * {@code requestContext.identity.sourceIp}), which the adapter sends in {@code x-amzn-request-context}, replacing
     * whatever header of that name the client sent. That header is believed only when {@code trustAdapterContext}
     * (this process runs behind the adapter) and the connection is from loopback; otherwise, and when it holds no
     * address, the connection's own address is the client. {@code X-Forwarded-For} and the like are never read: a
     * client sets them to anything.
     */
    static String clientIp(InetSocketAddress peer, Headers headers, boolean trustAdapterContext) {
        String direct = peer == null || peer.getAddress() == null ? null : peer.getAddress().getHostAddress();
        if (!trustAdapterContext || peer == null || peer.getAddress() == null || !peer.getAddress().isLoopbackAddress()) {
            return direct;
        }
        String context = headers.firstOrNull(ADAPTER_CONTEXT);
        if (context == null || context.length() > MAX_CONTEXT_CHARS) {
            return direct;
        }
        try {
            com.fasterxml.jackson.databind.JsonNode root = io.aigateway.core.Json.MAPPER.readTree(context);
            String ip = root.path("http").path("sourceIp").asText("");
            if (ip.isBlank()) {
                ip = root.path("identity").path("sourceIp").asText("");
            }
            return ip.isBlank() || ip.length() > 64 ? direct : ip.trim();
        } catch (java.io.IOException | RuntimeException malformed) {
            return direct;
        }
    }

    private static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }
}

package io.aigateway.server;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.aigateway.Gateway;
import io.aigateway.core.ChunkSink;
import io.aigateway.core.GatewayRequest;
import io.aigateway.core.GatewayResponse;
import io.aigateway.core.Headers;
import io.aigateway.core.ResponseBody;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The HTTP server transport: the JDK's own server, one virtual thread per request, real streaming (each chunk the
 * provider sends is flushed to the client at once). It only converts; all gateway logic is in {@link Gateway}.
 * Used by the local runtime and, behind the Lambda Web Adapter, by the streaming Lambda deployment.
 */
public final class GatewayHttpServer implements AutoCloseable {
    /**
     * The JDK server's switch for TCP_NODELAY on accepted connections, read once per JVM when the first server of
     * any kind starts. Without it a streamed event, or the end of an answer written after its record, that follows
     * an unacknowledged segment waits for the client's delayed ACK: 40 ms on Linux.
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

    private final HttpServer server;
    private final ExecutorService executor;

    private GatewayHttpServer(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
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
        try {
            HttpServer server = HttpServer.create(address, 1024);
            ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
            server.setExecutor(executor);
            server.createContext("/", exchange -> serve(gateway, exchange, maxRequestBytes, trustAdapterContext));
            controlRoutes.forEach((path, action) -> server.createContext(path, exchange -> {
                if ("POST".equals(exchange.getRequestMethod()) && path.equals(exchange.getRequestURI().getRawPath())) {
                    control(exchange, action);
                } else {
                    // a longer path under it, or another method
                    serve(gateway, exchange, maxRequestBytes, trustAdapterContext);
                }
            }));
            server.start();
            return new GatewayHttpServer(server, executor);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on " + address, e);
        }
    }

    /** The bound port (useful with port 0). */
    public int port() {
        return server.getAddress().getPort();
    }

    /** How long {@link #close()} lets requests in progress finish: their answers, and so their records, complete. */
    public static final int STOP_GRACE_SECONDS = 5;

    /**
     * Stops taking connections, lets requests in progress finish (at most {@value #STOP_GRACE_SECONDS} s; the JDK
     * server returns as soon as none is left), then ends whatever still runs.
     */
    @Override
    public void close() {
        server.stop(STOP_GRACE_SECONDS);
        executor.shutdownNow();
    }

    private static void control(HttpExchange http, Runnable action) throws IOException {
        int status = 204;
        try (InputStream in = http.getRequestBody()) {
            in.readAllBytes();
            action.run();
        } catch (RuntimeException e) {
            org.slf4j.LoggerFactory.getLogger(GatewayHttpServer.class)
                    .warn("control route {} failed: {}", http.getRequestURI().getRawPath(), e.toString());
            status = 500;
        }
        http.sendResponseHeaders(status, -1);
        http.close();
    }

    private static void serve(Gateway gateway, HttpExchange http, long maxRequestBytes, boolean trustAdapterContext)
            throws IOException {
        GatewayResponse response;
        GatewayRequest request;
        try (InputStream in = http.getRequestBody()) {
            byte[] body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxRequestBytes + 1));
            Headers headers = headersOf(http);
            request = GatewayRequest.of(http.getRequestMethod(), http.getRequestURI().getRawPath(),
                    http.getRequestURI().getRawQuery(), headers, body,
                    clientIp(http.getRemoteAddress(), headers, trustAdapterContext));
            response = body.length > maxRequestBytes
                    ? gateway.reject(request, Gateway.tooLarge(maxRequestBytes))
                    : gateway.handle(request);
        } catch (IOException e) {
            http.close(); // client went away while sending its request
            return;
        }
        write(http, request, response);
    }

    private static void write(HttpExchange http, GatewayRequest request, GatewayResponse response) throws IOException {
        response.headers().forEach((name, value) -> http.getResponseHeaders().add(name, value));
        ResponseBody body = response.body();
        boolean noBody = "HEAD".equals(request.method()) || response.status() == 204 || response.status() == 304;
        long length = noBody ? -1 : body.length() == 0 ? -1 : body.length() < 0 ? 0 : body.length();
        try {
            http.sendResponseHeaders(response.status(), length);
        } catch (IOException e) {
            if (body instanceof ResponseBody.Stream s) {
                s.abort();
            }
            http.close();
            return;
        }
        switch (body) {
            case ResponseBody.Bytes bytes -> {
                try (OutputStream out = http.getResponseBody()) {
                    if (!noBody) {
                        out.write(bytes.data());
                    }
                } catch (IOException clientGone) {
                    // nothing to tell: the record is already written
                }
            }
            case ResponseBody.Stream stream -> {
                OutputStream out = http.getResponseBody();
                try {
                    stream.writeTo(new ChunkSink() {
                        @Override
                        public void write(byte[] bytes, int offset, int len) throws IOException {
                            out.write(bytes, offset, len);
                        }

                        @Override
                        public void flush() throws IOException {
                            out.flush();
                        }
                    });
                    out.close();
                } catch (IOException broken) {
                    // Either side broke mid-body: end the connection without the final chunk, so the client sees
                    // a truncated response rather than a complete-looking one.
                    throw broken;
                }
            }
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

    private static Headers headersOf(HttpExchange http) {
        Headers.Builder b = Headers.builder();
        for (Map.Entry<String, List<String>> e : http.getRequestHeaders().entrySet()) {
            for (String value : e.getValue()) {
                b.add(e.getKey(), value);
            }
        }
        return b.build();
    }
}

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
        try {
            HttpServer server = HttpServer.create(address, 1024);
            ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
            server.setExecutor(executor);
            server.createContext("/", exchange -> serve(gateway, exchange, maxRequestBytes));
            controlRoutes.forEach((path, action) -> server.createContext(path, exchange -> {
                if ("POST".equals(exchange.getRequestMethod()) && path.equals(exchange.getRequestURI().getRawPath())) {
                    control(exchange, action);
                } else {
                    serve(gateway, exchange, maxRequestBytes); // a longer path under it, or another method
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

    @Override
    public void close() {
        server.stop(0);
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

    private static void serve(Gateway gateway, HttpExchange http, long maxRequestBytes) throws IOException {
        GatewayResponse response;
        GatewayRequest request;
        try (InputStream in = http.getRequestBody()) {
            byte[] body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxRequestBytes + 1));
            request = GatewayRequest.of(http.getRequestMethod(), http.getRequestURI().getRawPath(),
                    http.getRequestURI().getRawQuery(), headersOf(http), body,
                    http.getRemoteAddress().getAddress().getHostAddress());
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

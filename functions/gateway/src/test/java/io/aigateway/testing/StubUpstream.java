package io.aigateway.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP server on 127.0.0.1 standing in for a provider. Each path answers with a scripted {@link Reply};
 * every request it receives is recorded.
 */
public final class StubUpstream implements AutoCloseable {
    public record Received(String method, String path, String query, Map<String, List<String>> headers, byte[] body) {
        public String header(String name) {
            for (Map.Entry<String, List<String>> e : headers.entrySet()) {
                if (e.getKey().equalsIgnoreCase(name)) {
                    return e.getValue().get(0);
                }
            }
            return null;
        }

        public boolean hasHeader(String prefix) {
            return headers.keySet().stream().anyMatch(k -> k.toLowerCase().startsWith(prefix));
        }

        public String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    @FunctionalInterface
    public interface Reply {
        void answer(HttpExchange exchange) throws IOException, InterruptedException;
    }

    private final HttpServer server;
    private final Map<String, Reply> replies = new ConcurrentHashMap<>();
    public final BlockingQueue<Received> received = new LinkedBlockingQueue<>();
    public final AtomicInteger calls = new AtomicInteger();
    /** Counted down when a streamed reply notices its client (the gateway) went away. */
    public final CountDownLatch streamCancelled = new CountDownLatch(1);

    public StubUpstream() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 256);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", exchange -> {
            calls.incrementAndGet();
            byte[] body = exchange.getRequestBody().readAllBytes();
            received.add(new Received(exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(),
                    exchange.getRequestURI().getRawQuery(), Map.copyOf(exchange.getRequestHeaders()), body));
            exchange.setStreams(new java.io.ByteArrayInputStream(body), null);
            Reply reply = replies.getOrDefault(exchange.getRequestURI().getPath(),
                    json(404, "{\"error\":{\"message\":\"stub has no reply for this path\"}}"));
            try {
                reply.answer(exchange);
            } catch (DropConnection drop) {
                // leave without closing the exchange: the server then cuts the connection mid-body
                throw drop;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.close();
        });
        server.start();
    }

    public StubUpstream on(String path, Reply reply) {
        replies.put(path, reply);
        return this;
    }

    public URI baseUri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    public Received lastRequest() throws InterruptedException {
        Received r = received.poll(5, TimeUnit.SECONDS);
        if (r == null) {
            throw new AssertionError("the stub upstream received no request");
        }
        return r;
    }

    @Override
    public void close() {
        server.stop(0);
    }

    // ---- replies ----

    public static Reply json(int status, String body) {
        return json(status, body, Map.of());
    }

    public static Reply json(int status, String body, Map<String, String> headers) {
        return exchange -> {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("content-type", "application/json");
            headers.forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
            exchange.sendResponseHeaders(status, bytes.length);
            exchange.getResponseBody().write(bytes);
        };
    }

    /** Echoes the request body back with the request's content type. */
    public static Reply echo() {
        return exchange -> {
            byte[] bytes = exchange.getRequestBody().readAllBytes();
            String ct = exchange.getRequestHeaders().getFirst("content-type");
            exchange.getResponseHeaders().add("content-type", ct == null ? "application/octet-stream" : ct);
            exchange.sendResponseHeaders(200, bytes.length == 0 ? -1 : bytes.length);
            exchange.getResponseBody().write(bytes);
        };
    }

    /** Waits before sending anything. */
    public static Reply slow(long millis, Reply then) {
        return exchange -> {
            Thread.sleep(millis);
            then.answer(exchange);
        };
    }

    /** Server-sent events, each flushed on its own, {@code gapMillis} apart. */
    public Reply sse(List<String> events, long gapMillis) {
        return sse(events, gapMillis, gapMillis);
    }

    /**
     * Server-sent events, each flushed on its own, {@code gapMillis} apart; the body ends {@code tailMillis} after
     * the last event (a provider that keeps the response open a moment after its terminal event).
     */
    public Reply sse(List<String> events, long gapMillis, long tailMillis) {
        return exchange -> {
            exchange.getResponseHeaders().add("content-type", "text/event-stream");
            exchange.sendResponseHeaders(200, 0);
            OutputStream out = exchange.getResponseBody();
            try {
                for (int i = 0; i < events.size(); i++) {
                    out.write(events.get(i).getBytes(StandardCharsets.UTF_8));
                    out.flush();
                    Thread.sleep(i == events.size() - 1 ? tailMillis : gapMillis);
                }
            } catch (IOException clientGone) {
                streamCancelled.countDown();
                throw clientGone;
            }
        };
    }

    /** Sends part of a chunked body, then drops the connection. */
    public static Reply dropMidBody(String partial) {
        return exchange -> {
            exchange.getResponseHeaders().add("content-type", "text/event-stream");
            exchange.sendResponseHeaders(200, 0);
            exchange.getResponseBody().write(partial.getBytes(StandardCharsets.UTF_8));
            exchange.getResponseBody().flush();
            throw new DropConnection();
        };
    }

    /** Thrown by a reply to cut the connection without finishing the response. */
    static final class DropConnection extends IOException {
        DropConnection() {
            super("stub drops the connection");
        }
    }

    public static List<String> openAiChunks(String... words) {
        List<String> events = new ArrayList<>();
        for (String w : words) {
            events.add("data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o-mini\","
                    + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + w + "\"}}]}\n\n");
        }
        events.add("data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o-mini\",\"choices\":[],"
                + "\"usage\":{\"prompt_tokens\":11,\"completion_tokens\":" + words.length + ",\"total_tokens\":"
                + (11 + words.length) + "}}\n\n");
        events.add("data: [DONE]\n\n");
        return events;
    }

    public static final String CHAT_COMPLETION = "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\","
            + "\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
            + "\"content\":\"Hello!\"},\"finish_reason\":\"stop\"}],"
            + "\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":3,\"total_tokens\":15}}";

    /**
     * A provider that takes a request (head and body), then holds it: it answers {@code json} only after
     * {@code holdMillis}, unless the gateway hangs up first, which it notices at once (raw sockets: the JDK server
     * above would only notice on its next write). For tests of a client that leaves before the first byte.
     */
    public static final class Holding implements AutoCloseable {
        public final AtomicInteger calls = new AtomicInteger();
        /** Counted down when the gateway closed a held connection before the answer. */
        public final CountDownLatch cancelled = new CountDownLatch(1);
        /** Milliseconds from receiving the request to the gateway hanging up; -1 until then. */
        public volatile long cancelledAfterMillis = -1;
        private final java.net.ServerSocket socket;
        private final long holdMillis;
        private final byte[] answer;

        public Holding(long holdMillis, String json) {
            this.holdMillis = holdMillis;
            byte[] body = json.getBytes(StandardCharsets.UTF_8);
            this.answer = concat(("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: " + body.length
                    + "\r\nconnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII), body);
            try {
                socket = new java.net.ServerSocket(0, 64, java.net.InetAddress.getLoopbackAddress());
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            Thread.ofVirtual().name("stub-holding-accept").start(() -> {
                while (!socket.isClosed()) {
                    try {
                        java.net.Socket connection = socket.accept();
                        Thread.ofVirtual().start(() -> hold(connection));
                    } catch (IOException closed) {
                        return;
                    }
                }
            });
        }

        public URI baseUri() {
            return URI.create("http://127.0.0.1:" + socket.getLocalPort());
        }

        private void hold(java.net.Socket connection) {
            try (connection) {
                java.io.InputStream in = connection.getInputStream();
                long contentLength = 0;
                StringBuilder line = new StringBuilder();
                while (true) { // the request head, line by line
                    int c = in.read();
                    if (c < 0) {
                        return;
                    }
                    if (c == '\n') {
                        String l = line.toString().trim();
                        line.setLength(0);
                        if (l.isEmpty()) {
                            break;
                        }
                        if (l.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                            contentLength = Long.parseLong(l.substring(l.indexOf(':') + 1).trim());
                        }
                    } else {
                        line.append((char) c);
                    }
                }
                in.readNBytes((int) contentLength);
                calls.incrementAndGet();
                long received = System.nanoTime();
                connection.setSoTimeout((int) holdMillis);
                try {
                    if (in.read() < 0) {
                        throw new IOException("closed");
                    }
                } catch (java.net.SocketTimeoutException held) {
                    connection.getOutputStream().write(answer);
                    return;
                } catch (IOException closedOrReset) {
                    // fall through
                }
                cancelledAfterMillis = (System.nanoTime() - received) / 1_000_000;
                cancelled.countDown();
            } catch (IOException ignored) {
                // the gateway went away while sending its request
            }
        }

        private static byte[] concat(byte[] a, byte[] b) {
            byte[] all = java.util.Arrays.copyOf(a, a.length + b.length);
            System.arraycopy(b, 0, all, a.length, b.length);
            return all;
        }

        @Override
        public void close() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }
}

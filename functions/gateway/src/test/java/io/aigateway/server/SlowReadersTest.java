package io.aigateway.server;

import io.aigateway.testing.StubUpstream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Slow SSE readers hold bounded memory: each chunk is written with a blocking write, so a client that reads nothing
 * stops the gateway's read of the provider (TCP backpressure reaches the provider, whose writes block), and what
 * stays on the gateway's heap per stream is the stream's fixed buffers, not the provider's output.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class SlowReadersTest {
    private static final int STREAMS = 20;
    private static final long PER_STREAM = 64L << 20;

    private final StubUpstream stub = new StubUpstream();
    private final List<AtomicLong> written = new ArrayList<>();
    private final AtomicInteger started = new AtomicInteger();
    private TestGateway gw;

    @AfterEach
    void stop() {
        if (gw != null) {
            gw.close();
        }
        stub.close();
    }

    /**
     * An SSE stream: besides the transport's chunk, the usage tap keeps up to ~400 KB of a stream's text (for a token
     * estimate should the stream end without usage), so that is what stays per stream.
     */
    @Test
    void slowSseReadersHoldBackTheProviderNotTheHeap() throws Exception {
        long perStream = gatewayHeapPerSlowReader("text/event-stream",
                "data: {\"choices\":[{\"delta\":{\"content\":\"" + "x".repeat(2000) + "\"}}]}\n\n");
        assertTrue(perStream < 1024 * 1024, "per-stream heap bounded, was " + (perStream >> 10) + " KB");
    }

    /** Any other body: what stays per stream is the transport's 8 KB chunk, the log's head and the connections'. */
    @Test
    void slowReadersOfAnyStreamHoldOnlyFixedBuffers() throws Exception {
        long perStream = gatewayHeapPerSlowReader("application/octet-stream", "y".repeat(2000));
        assertTrue(perStream < 160 * 1024, "per-stream heap bounded, was " + (perStream >> 10) + " KB");
    }

    /**
     * The gateway's heap per stream whose client reads nothing, once its provider stalled: the heap held by
     * {@link #STREAMS} such streams through the gateway, less what the same streams hold read straight from the stub
     * provider (its own buffers and threads live in this JVM too).
     */
    private long gatewayHeapPerSlowReader(String contentType, String chunk) throws Exception {
        byte[] event = chunk.getBytes(StandardCharsets.UTF_8);
        stub.on("/v1/chat/completions", exchange -> { // a provider that streams 64 MB as fast as it may
            AtomicLong sent = written.get(started.getAndIncrement());
            exchange.getResponseHeaders().add("content-type", contentType);
            exchange.sendResponseHeaders(200, 0);
            OutputStream out = exchange.getResponseBody();
            try {
                while (sent.get() < PER_STREAM) {
                    out.write(event);
                    out.flush();
                    sent.addAndGet(event.length);
                }
            } catch (IOException cut) {
                // the client hung up (the phase ended)
            }
        });
        // no payload capture (only the log's 4 KB head), so what remains per stream is the stream's own
        gw = new TestGateway(stub.baseUri(), 1 << 20, ServerLimits.DEFAULTS, Map.of("GATEWAY_LOG_PAYLOAD_BYTES", "0"));
        long direct = heapPerSlowReader(stub.baseUri().getPort(), "/v1/chat/completions", contentType);
        long through = heapPerSlowReader(gw.port(), "/v1/a/g/openai/chat/completions", contentType);
        long gateway = Math.max(0, through - direct);
        System.out.printf("slow readers (%s): heap per stream %d KB through the gateway, %d KB straight from the stub:"
                + " the gateway holds %d KB per stream%n", contentType, through >> 10, direct >> 10, gateway >> 10);
        return gateway;
    }

    /** Opens STREAMS clients that never read, waits until the provider stalls; returns the heap growth per stream. */
    private long heapPerSlowReader(int port, String path, String contentType) throws Exception {
        written.clear();
        started.set(0);
        for (int i = 0; i < STREAMS; i++) {
            written.add(new AtomicLong());
        }
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long before = heapAfterGc(memory);
        String body = "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"messages\":[]}";
        List<Socket> readers = new ArrayList<>();
        for (int i = 0; i < STREAMS; i++) {
            Socket socket = new Socket("127.0.0.1", port);
            socket.setReceiveBufferSize(64 * 1024);
            socket.getOutputStream().write(("POST " + path + " HTTP/1.1\r\nHost: x\r\n"
                    + "Content-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body)
                    .getBytes(StandardCharsets.UTF_8));
            readers.add(socket); // and never read
        }
        try {
            // wait until every provider stream stalls: the bytes it got out stop growing
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
            long last = -1;
            int still = 0;
            while (still < 4 && System.nanoTime() < deadline) {
                Thread.sleep(250);
                long total = written.stream().mapToLong(AtomicLong::get).sum();
                still = started.get() == STREAMS && total == last ? still + 1 : 0;
                last = total;
            }
            assertEquals(STREAMS, started.get(), "every stream reached the provider");
            assertTrue(still >= 4, "the provider streams stalled");
            for (AtomicLong sent : written) {
                assertTrue(sent.get() < PER_STREAM / 4, "the provider was held back, sent " + (sent.get() >> 20) + " MB");
            }
            long after = heapAfterGc(memory);
            System.out.printf("slow readers (%s) on port %d: the provider got %d KB per stream out before it stalled%n",
                    contentType, port, written.stream().mapToLong(AtomicLong::get).sum() / STREAMS >> 10);
            return Math.max(0, after - before) / STREAMS;
        } finally {
            for (Socket socket : readers) {
                socket.close();
            }
            Thread.sleep(300); // let the provider streams notice and end
        }
    }

    private static long heapAfterGc(MemoryMXBean memory) throws InterruptedException {
        long least = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
            least = Math.min(least, memory.getHeapMemoryUsage().getUsed());
        }
        return least;
    }
}

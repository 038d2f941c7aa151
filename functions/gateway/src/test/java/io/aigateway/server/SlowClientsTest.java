package io.aigateway.server;

import io.aigateway.testing.StubUpstream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Header and idle timeouts: a connection that never completes its headers (slowloris: one byte at a time, or nothing
 * at all) is closed after the header timeout, and a request whose connection closed before it was complete is never
 * proxied. Neither timeout cuts a request that waits for a slow provider, or a kept-alive connection between requests.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SlowClientsTest {
    private static final long HEADER_TIMEOUT_MS = 1_000;
    private static final long IDLE_TIMEOUT_MS = 1_500;
    private static final String BODY = "{\"model\":\"gpt-4o-mini\",\"messages\":[]}";

    private final StubUpstream stub = new StubUpstream();
    private TestGateway gw;

    @BeforeEach
    void start() {
        stub.on("/v1/chat/completions", StubUpstream.json(200, StubUpstream.CHAT_COMPLETION));
        gw = new TestGateway(stub.baseUri(), 1 << 20,
                TestGateway.limits(HEADER_TIMEOUT_MS, IDLE_TIMEOUT_MS, 64L << 20, 2_000), Map.of());
    }

    @AfterEach
    void stop() {
        gw.close();
        stub.close();
    }

    /** Milliseconds until the server closes {@code socket} (its read sees the end), or -1 within {@code maxMillis}. */
    private static long millisUntilClosed(Socket socket, long maxMillis) throws IOException {
        long start = System.nanoTime();
        socket.setSoTimeout((int) maxMillis);
        InputStream in = socket.getInputStream();
        try {
            while (in.read() >= 0) {
                // a response (there should be none) is read past
            }
        } catch (SocketTimeoutException stillOpen) {
            return -1;
        } catch (IOException reset) {
            // closed too
        }
        return (System.nanoTime() - start) / 1_000_000;
    }

    @Test
    void slowlorisConnectionsAreClosedAfterTheHeaderTimeout() throws Exception {
        int n = 50;
        List<Socket> sockets = new ArrayList<>();
        List<Thread> tricklers = new ArrayList<>();
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            Socket socket = gw.connect();
            sockets.add(socket);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v1/a/g/openai/chat/completions HTTP/1.1\r\nHost: x\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            // then one byte of a never-ending header every 100 ms: each byte would restart an idle timeout
            tricklers.add(Thread.ofVirtual().start(() -> {
                try {
                    out.write("X-Slow: ".getBytes(StandardCharsets.US_ASCII));
                    for (int b = 0; b < 100; b++) {
                        Thread.sleep(100);
                        out.write('a');
                        out.flush();
                    }
                } catch (IOException | InterruptedException closed) {
                    // the server hung up
                }
            }));
        }
        for (Socket socket : sockets) {
            long left = 6_000 - (System.nanoTime() - start) / 1_000_000;
            assertTrue(millisUntilClosed(socket, Math.max(left, 1)) >= 0, "a trickling connection was closed");
        }
        long elapsed = (System.nanoTime() - start) / 1_000_000;
        assertTrue(elapsed < HEADER_TIMEOUT_MS + 3_000, "closed after about the header timeout, took " + elapsed + " ms");
        for (Thread t : tricklers) {
            t.join(2_000);
        }
        for (Socket socket : sockets) {
            socket.close();
        }
        assertEquals(0, stub.calls.get(), "nothing was proxied");
    }

    @Test
    void aConnectionThatSendsNothingIsClosedAfterTheHeaderTimeout() throws Exception {
        try (Socket socket = gw.connect()) {
            long closedAfter = millisUntilClosed(socket, 5_000);
            assertTrue(closedAfter >= 0 && closedAfter < HEADER_TIMEOUT_MS + 1_500, "closed after " + closedAfter);
        }
    }

    @Test
    void aRequestWhoseConnectionClosedBeforeItWasCompleteIsNeverProxied() throws Exception {
        try (Socket socket = gw.connect()) { // mid-headers
            socket.getOutputStream().write(("POST /v1/a/g/openai/chat/completions HTTP/1.1\r\nHost: x\r\n"
                    + "Content-Type: application/json\r\nContent-Length: " + BODY.length() + "\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
        }
        try (Socket socket = gw.connect()) { // mid-body
            socket.getOutputStream().write(("POST /v1/a/g/openai/chat/completions HTTP/1.1\r\nHost: x\r\n"
                    + "Content-Type: application/json\r\nContent-Length: " + BODY.length() + "\r\n\r\n"
                    + BODY.substring(0, 10)).getBytes(StandardCharsets.US_ASCII));
        }
        try (Socket socket = gw.connect()) { // mid-chunked-body
            socket.getOutputStream().write(("POST /v1/a/g/openai/chat/completions HTTP/1.1\r\nHost: x\r\n"
                    + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"mod\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
        }
        Thread.sleep(1_000);
        assertEquals(0, stub.calls.get(), "an incomplete request never reaches the provider");
        try (Socket socket = gw.connect()) { // and a complete one does
            socket.getOutputStream().write(request().getBytes(StandardCharsets.US_ASCII));
            assertEquals(200, TestGateway.readResponse(socket.getInputStream()).status());
        }
        assertEquals(1, stub.calls.get());
    }

    @Test
    void aKeptAliveConnectionMayWaitBetweenRequestsLongerThanTheHeaderTimeout() throws Exception {
        try (Socket socket = gw.connect()) {
            socket.getOutputStream().write(request().getBytes(StandardCharsets.US_ASCII));
            assertEquals(200, TestGateway.readResponse(socket.getInputStream()).status());
            Thread.sleep(HEADER_TIMEOUT_MS + 300); // silent, below the idle timeout: the header clock has not started
            socket.getOutputStream().write(request().getBytes(StandardCharsets.US_ASCII));
            assertEquals(200, TestGateway.readResponse(socket.getInputStream()).status());
            // idle beyond the idle timeout: closed
            long closedAfter = millisUntilClosed(socket, 5_000);
            assertTrue(closedAfter >= 0 && closedAfter < IDLE_TIMEOUT_MS + 1_500, "idle close after " + closedAfter);
        }
    }

    @Test
    void aSlowProviderIsWaitedForBeyondTheIdleTimeoutOverBothProtocols() throws Exception {
        stub.on("/v1/chat/completions", StubUpstream.slow(IDLE_TIMEOUT_MS + 1_000,
                StubUpstream.json(200, StubUpstream.CHAT_COMPLETION)));
        HttpResponse<String> h1 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()
                .send(HttpRequest.newBuilder(gw.url("/v1/a/g/openai/chat/completions"))
                        .header("content-type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(BODY)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, h1.statusCode(), h1.body());
        // a client asking to upgrade to h2c stays on HTTP/1.1 (see GatewayHttpServer.PriorKnowledgeH2c)
        HttpResponse<String> upgrade = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build()
                .send(HttpRequest.newBuilder(gw.url("/v1/a/g/openai/chat/completions"))
                        .header("content-type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(BODY)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, upgrade.statusCode(), upgrade.body());
        assertEquals(HttpClient.Version.HTTP_1_1, upgrade.version());
        // HTTP/2 with prior knowledge: the stream waits for the provider too
        assumeTrue(ClientDisconnectTest.curlAvailable(), "curl is needed for HTTP/2 with prior knowledge");
        Process curl = new ProcessBuilder("curl", "-s", "--http2-prior-knowledge", "-w", "\n%{http_version} %{http_code}",
                "-H", "content-type: application/json", "-d", BODY,
                gw.url("/v1/a/g/openai/chat/completions").toString()).redirectErrorStream(true).start();
        String out = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(curl.waitFor(10, TimeUnit.SECONDS));
        assertTrue(out.endsWith("\n2 200"), out);
    }

    @Test
    void aRequestPipelinedWhileTheFirstWaitsForItsProviderIsServedAfterIt() throws Exception {
        // the second request arrives while the connection is watched for the client leaving: its bytes are kept
        stub.on("/v1/chat/completions", StubUpstream.slow(500, StubUpstream.json(200, StubUpstream.CHAT_COMPLETION)));
        try (Socket socket = gw.connect()) {
            socket.getOutputStream().write(request().getBytes(StandardCharsets.US_ASCII));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (stub.calls.get() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            socket.getOutputStream().write(request().getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            assertEquals(200, TestGateway.readResponse(in).status());
            assertEquals(200, TestGateway.readResponse(in).status());
        }
        assertEquals(2, stub.calls.get());
    }

    private static String request() {
        return "POST /v1/a/g/openai/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + BODY.length() + "\r\n\r\n" + BODY;
    }
}

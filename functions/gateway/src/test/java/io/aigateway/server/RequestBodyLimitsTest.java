package io.aigateway.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.aigateway.core.Json;
import io.aigateway.testing.StubUpstream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Request bodies never exhaust the heap: a declared length over the limit is refused before the body is read (admin
 * calls too), a chunked body is counted while read and refused at the limit, and the bodies held at once, across
 * connections, stay within GATEWAY_MAX_INFLIGHT_BODY_MB (beyond it: a short wait, then 503).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RequestBodyLimitsTest {
    private static final String CHAT = "/v1/a/g/openai/chat/completions";
    private static final long MB = 1 << 20;

    private final StubUpstream stub = new StubUpstream();
    private TestGateway gw;

    @AfterEach
    void stop() {
        if (gw != null) {
            gw.close();
        }
        stub.close();
    }

    private static JsonNode firstError(String body) throws IOException {
        return Json.MAPPER.readTree(body).get("error").get(0);
    }

    /** The gateway's error code: on a provider route in the cf-aig-error-code header (the body has its shape). */
    static int errorCode(TestGateway.RawResponse r) throws IOException {
        String header = r.headers().get("cf-aig-error-code");
        return header != null ? Integer.parseInt(header) : firstError(r.body()).get("code").asInt();
    }

    @Test
    void aDeclaredLengthOverTheLimitIsRefusedBeforeTheBodyIsSent() throws Exception {
        stub.on("/v1/chat/completions", StubUpstream.json(200, StubUpstream.CHAT_COMPLETION));
        gw = new TestGateway(stub.baseUri(), MB, ServerLimits.DEFAULTS, Map.of());
        for (String[] call : new String[][]{{"POST", CHAT}, {"PUT", "/api/v1/gateways/g"}}) {
            try (Socket socket = gw.connect()) {
                // the head only: the 100 MB body it announces is never sent, so an answer proves nothing waited for it
                socket.getOutputStream().write((call[0] + " " + call[1] + " HTTP/1.1\r\nHost: x\r\n"
                        + "Content-Type: application/json\r\nContent-Length: " + 100 * MB + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                TestGateway.RawResponse r = TestGateway.readResponse(socket.getInputStream());
                assertEquals(413, r.status(), call[1] + ": " + r.body());
                assertEquals(2006, errorCode(r), r.body());
                assertTrue(r.headers().getOrDefault("content-type", "").startsWith("application/json"));
                assertEquals("close", r.headers().get("connection"), "the unread body ends the connection");
            }
        }
        assertEquals(0, stub.calls.get());
    }

    @Test
    void aChunkedBodyIsCountedWhileReadAndRefusedAtTheLimit() throws Exception {
        stub.on("/v1/chat/completions", StubUpstream.json(200, StubUpstream.CHAT_COMPLETION));
        gw = new TestGateway(stub.baseUri(), MB, ServerLimits.DEFAULTS, Map.of());
        long total = 512 * MB;
        AtomicLong sent = new AtomicLong();
        try (Socket socket = gw.connect()) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST " + CHAT + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            Thread writer = Thread.ofVirtual().start(() -> {
                byte[] chunk = new byte[64 * 1024];
                Arrays.fill(chunk, (byte) 'a');
                byte[] size = (Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII);
                try {
                    while (sent.get() < total) {
                        out.write(size);
                        out.write(chunk);
                        out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                        sent.addAndGet(chunk.length);
                    }
                } catch (IOException refused) {
                    // the server stopped taking it
                }
            });
            TestGateway.RawResponse r = TestGateway.readResponse(socket.getInputStream());
            long sentWhenAnswered = sent.get();
            assertEquals(413, r.status(), r.body());
            assertEquals(2006, errorCode(r), r.body());
            assertEquals("close", r.headers().get("connection"));
            assertTrue(sentWhenAnswered < total / 4,
                    "answered at the limit, not after the whole body: " + sentWhenAnswered / MB + " MB sent by then");
            socket.close();
            writer.join(10_000);
        }
        assertEquals(0, stub.calls.get());
        awaitAllReleased();
    }

    @Test
    void parallelLargeUploadsStayWithinTheInFlightBound() throws Exception {
        // bodies are held while the provider works: two fit under the bound, the others wait a moment, then 503
        stub.on("/v1/chat/completions", StubUpstream.slow(1_500, StubUpstream.json(200, StubUpstream.CHAT_COMPLETION)));
        long bound = 48 * MB;
        gw = new TestGateway(stub.baseUri(), 25 * MB, TestGateway.limits(10_000, 60_000, bound, 200), Map.of());
        byte[] body = upload(24 * MB);
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        List<Future<HttpResponse<String>>> calls = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 12; i++) {
                calls.add(pool.submit(() -> http.send(HttpRequest.newBuilder(gw.url(CHAT))
                        .header("content-type", "application/json")
                        .expectContinue(true) // as curl does for large bodies: no body until the server wants it
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                        HttpResponse.BodyHandlers.ofString())));
            }
            int ok = 0;
            int busy = 0;
            for (Future<HttpResponse<String>> call : calls) {
                HttpResponse<String> r = call.get(50, TimeUnit.SECONDS);
                if (r.statusCode() == 200) {
                    ok++;
                } else {
                    assertEquals(503, r.statusCode(), r.body());
                    assertEquals(2050, firstError(r.body()).get("code").asInt(), r.body());
                    assertEquals("2050", r.headers().firstValue("cf-aig-error-code").orElse(null));
                    assertEquals("1", r.headers().firstValue("retry-after").orElse(null));
                    busy++;
                }
            }
            assertTrue(ok >= 1, "some uploads were served");
            assertTrue(busy >= 1, "the others were turned away rather than held");
            assertEquals(ok, stub.calls.get());
        }
        assertTrue(gw.budget().peak() <= bound,
                "at most " + bound + " body bytes held at once, was " + gw.budget().peak());
        awaitAllReleased();
    }

    @Test
    void aBodyWithinTheLimitsIsProxiedWhole() throws Exception {
        stub.on("/v1/chat/completions", StubUpstream.echo());
        gw = new TestGateway(stub.baseUri(), MB, ServerLimits.DEFAULTS, Map.of());
        byte[] body = upload(MB - 100);
        try (Socket socket = gw.connect()) { // chunked, in uneven pieces
            OutputStream out = socket.getOutputStream();
            out.write(("POST " + CHAT + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            for (int off = 0; off < body.length; off += 100_003) {
                int n = Math.min(100_003, body.length - off);
                out.write((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(body, off, n);
                out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            TestGateway.RawResponse r = TestGateway.readResponse(in);
            assertEquals(200, r.status());
            assertEquals(new String(body, StandardCharsets.UTF_8), r.body());
        }
        assertTrue(Arrays.equals(body, stub.lastRequest().body()));
        awaitAllReleased();
    }

    /** Every reservation is given back once its exchange is over (just after the response went out). */
    private void awaitAllReleased() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (gw.budget().used() != 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(0, gw.budget().used(), "every body reservation given back");
    }

    /** A chat completion request of {@code size} bytes. */
    private static byte[] upload(long size) {
        String prefix = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"";
        String suffix = "\"}]}";
        byte[] body = new byte[(int) size];
        Arrays.fill(body, (byte) 'a');
        System.arraycopy(prefix.getBytes(StandardCharsets.US_ASCII), 0, body, 0, prefix.length());
        System.arraycopy(suffix.getBytes(StandardCharsets.US_ASCII), 0, body, body.length - suffix.length(),
                suffix.length());
        return body;
    }
}

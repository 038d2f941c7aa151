package io.aigateway.server;

import io.aigateway.testing.StubUpstream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Header framing on the wire: a bare CR, a bare LF or a NUL inside a header value is a 400 (JSON, like every error of
 * the gateway), never read as a line end that splits one header into two, and never proxied. Plus HTTP/2 with prior
 * knowledge (curl --http2-prior-knowledge) on the same port.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class HeaderFramingTest {
    private static final String BODY = "{\"model\":\"gpt-4o-mini\",\"messages\":[]}";

    private final StubUpstream stub = new StubUpstream();
    private TestGateway gw;

    @BeforeEach
    void start() {
        stub.on("/v1/chat/completions", StubUpstream.json(200, StubUpstream.CHAT_COMPLETION));
        gw = new TestGateway(stub.baseUri(), 1 << 20, ServerLimits.DEFAULTS, Map.of());
    }

    @AfterEach
    void stop() {
        gw.close();
        stub.close();
    }

    private TestGateway.RawResponse send(String extraHeader) throws Exception {
        try (Socket socket = gw.connect()) {
            socket.getOutputStream().write(("POST /v1/a/g/openai/chat/completions HTTP/1.1\r\nHost: x\r\n"
                    + extraHeader + "\r\nContent-Type: application/json\r\nContent-Length: " + BODY.length()
                    + "\r\n\r\n" + BODY).getBytes(StandardCharsets.ISO_8859_1));
            return TestGateway.readResponse(socket.getInputStream());
        }
    }

    @Test
    void aBareCrLfOrNulInAHeaderValueIsRefusedAndNeverSplit() throws Exception {
        for (String bad : new String[]{"X-Note: a\rX-Injected: b", "X-Note: a\nX-Injected: b", "X-Note: a\0b"}) {
            TestGateway.RawResponse r = send(bad);
            String shown = bad.replace("\r", "\\r").replace("\n", "\\n").replace("\0", "\\0");
            assertEquals(400, r.status(), shown + ": " + r.body());
            assertTrue(r.headers().getOrDefault("content-type", "").startsWith("application/json"), shown);
            assertEquals(2005, RequestBodyLimitsTest.errorCode(r), r.body()); // as HeaderPolicy refuses such values
            assertTrue(r.body().startsWith("{\"success\":false,\"error\":[{\"code\":2005"), r.body());
        }
        assertEquals(0, stub.calls.get(), "none of them reached the provider");
        // the same header, well formed, goes through as one header
        assertEquals(200, send("X-Note: a b").status());
        StubUpstream.Received received = stub.lastRequest();
        assertNull(received.header("x-injected"));
        assertFalse(received.hasHeader("x-injected"));
    }

    @Test
    void headersThatArriveAsBytesOfAFrameAreHeldToTheSameRule() {
        // HTTP/2 carries header values in HPACK frames, not lines: the handler applies HeaderPolicy's rule itself
        // (curl cannot send such a value to show it: it splits the header at the CR before framing it)
        for (String bad : new String[]{"a\rb", "a\nb", "a\0b"}) {
            io.aigateway.core.GatewayException e = GatewayHandler.badHeader(
                    io.aigateway.core.Headers.builder().add("x-note", bad).build());
            assertEquals(io.aigateway.core.ErrorCode.BAD_HEADER, e == null ? null : e.code(), bad);
        }
        assertNull(GatewayHandler.badHeader(io.aigateway.core.Headers.builder().add("x-note", "a b").build()));
    }

    @Test
    void anAnswerCarriesOneDateHeader() throws Exception {
        // the provider's Date is passed on; the server's own must not be added as a second one
        try (Socket socket = gw.connect()) {
            socket.getOutputStream().write(("POST /v1/a/g/openai/chat/completions HTTP/1.1\r\nHost: x\r\n"
                    + "Content-Type: application/json\r\nContent-Length: " + BODY.length() + "\r\n\r\n" + BODY)
                    .getBytes(StandardCharsets.US_ASCII));
            String head = readUntil(socket.getInputStream(), "\r\n\r\n");
            assertTrue(head.startsWith("HTTP/1.1 200"), head);
            assertEquals(1, head.toLowerCase(java.util.Locale.ROOT).split("\r\ndate:", -1).length - 1, head);
        }
    }

    @Test
    void eachStreamedChunkIsCompleteOnTheWireBeforeTheNextOneExists() throws Exception {
        // a client like urllib3 (boto3, requests) hands a chunk over only once its CRLF arrived: the provider holds
        // the rest of its stream back until the client has the first event's chunk whole
        String first = "data: {\"choices\":[{\"delta\":{\"content\":\"Hel\"}}]}\n\n";
        String second = "data: {\"choices\":[{\"delta\":{\"content\":\"lo\"}}]}\n\n";
        java.util.concurrent.atomic.AtomicReference<java.util.concurrent.CountDownLatch> clientHasFirst =
                new java.util.concurrent.atomic.AtomicReference<>();
        stub.on("/v1/chat/completions", exchange -> {
            exchange.getResponseHeaders().add("content-type", "text/event-stream");
            exchange.sendResponseHeaders(200, 0);
            java.io.OutputStream out = exchange.getResponseBody();
            out.write(first.getBytes(StandardCharsets.UTF_8));
            out.flush();
            clientHasFirst.get().await(10, TimeUnit.SECONDS);
            out.write((second + "data: [DONE]\n\n").getBytes(StandardCharsets.UTF_8));
        });
        String body = "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"messages\":[]}";
        try (Socket socket = gw.connect()) {
            socket.setSoTimeout(5_000);
            java.io.InputStream in = socket.getInputStream();
            for (int request = 0; request < 2; request++) { // twice on one connection: each answer framed whole
                clientHasFirst.set(new java.util.concurrent.CountDownLatch(1));
                socket.getOutputStream().write(("POST /v1/a/g/openai/chat/completions HTTP/1.1\r\nHost: x\r\n"
                        + "Content-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n"
                        + body).getBytes(StandardCharsets.US_ASCII));
                String head = readUntil(in, "\r\n\r\n");
                assertTrue(head.contains("Transfer-Encoding: chunked"), head);
                // Jetty alone would hold this CRLF back until the next chunk: the read would time out
                assertEquals(hex(first.length()) + "\r\n" + first + "\r\n", readUntil(in, first + "\r\n"));
                clientHasFirst.get().countDown();
                assertEquals(second + "data: [DONE]\n\n", chunks(in), "well-formed chunks to the end");
            }
        }
    }

    private static String hex(int n) {
        return Integer.toHexString(n).toUpperCase(java.util.Locale.ROOT); // as Jetty writes chunk sizes
    }

    /** Reads chunks (each {@code size CRLF data CRLF}) up to the last one; returns their data. */
    private static String chunks(java.io.InputStream in) throws java.io.IOException {
        StringBuilder data = new StringBuilder();
        while (true) {
            String size = readUntil(in, "\r\n");
            int n = Integer.parseInt(size.substring(0, size.length() - 2), 16);
            if (n == 0) {
                assertEquals("\r\n", readUntil(in, "\r\n"), "no trailers, then the end");
                return data.toString();
            }
            data.append(new String(in.readNBytes(n), StandardCharsets.UTF_8));
            assertEquals("\r\n", new String(in.readNBytes(2), StandardCharsets.US_ASCII), "each chunk ends in CRLF");
        }
    }

    /** Reads up to and including {@code end}. */
    private static String readUntil(java.io.InputStream in, String end) throws java.io.IOException {
        StringBuilder read = new StringBuilder();
        while (!read.toString().endsWith(end)) {
            int c = in.read();
            if (c < 0) {
                throw new java.io.EOFException("closed after " + read);
            }
            read.append((char) c);
        }
        return read.toString();
    }

    @Test
    void http2WithPriorKnowledgeIsServed() throws Exception {
        assumeTrue(ClientDisconnectTest.curlAvailable(), "curl is needed for HTTP/2 with prior knowledge");
        Process curl = new ProcessBuilder("curl", "-s", "--http2-prior-knowledge", "-w", "\n%{http_version} %{http_code}",
                "-H", "content-type: application/json", "-d", BODY,
                "http://127.0.0.1:" + gw.port() + "/v1/a/g/openai/chat/completions").redirectErrorStream(true).start();
        String out = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(curl.waitFor(10, TimeUnit.SECONDS));
        assertTrue(out.endsWith("\n2 200"), out);
        assertTrue(out.startsWith(StubUpstream.CHAT_COMPLETION), out);
    }
}

package io.aigateway.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.aigateway.core.Json;
import io.aigateway.testing.Harness;
import io.aigateway.testing.StubUpstream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A client that leaves before the first byte of the answer: the provider call is cancelled at once (not held until
 * the first-byte timeout, 120 s by default, and logged as 504) and the request is logged as client_disconnected;
 * over HTTP/1.1 (where the connection is idle while the provider works) and HTTP/2.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ClientDisconnectTest {
    private static final String BODY = "{\"model\":\"gpt-4o-mini\",\"messages\":[]}";

    private final StubUpstream.Holding provider = new StubUpstream.Holding(5_000, StubUpstream.CHAT_COMPLETION);
    private final Harness gw = Harness.forProvider("openai", java.net.URI.create(provider.baseUri() + "/v1"));

    @AfterEach
    void stop() {
        gw.close();
        provider.close();
    }

    @Test
    void anHttp1ClientThatLeavesBeforeTheAnswerCancelsTheProviderCall() throws Exception {
        long left;
        try (Socket socket = new Socket("127.0.0.1", gw.server.port())) {
            socket.getOutputStream().write(("POST /v1/a/g/openai/chat/completions HTTP/1.1\r\nHost: x\r\n"
                    + "Content-Type: application/json\r\nContent-Length: " + BODY.length() + "\r\n\r\n" + BODY)
                    .getBytes(StandardCharsets.UTF_8));
            awaitProviderCall();
            Thread.sleep(200);
            left = System.nanoTime();
        } // the client leaves; the provider has not answered
        assertCancelledAndLogged(left);
    }

    @Test
    void anHttp2ClientThatLeavesBeforeTheAnswerCancelsTheProviderCall() throws Exception {
        assumeTrue(curlAvailable(), "curl is needed for HTTP/2 with prior knowledge");
        Process curl = new ProcessBuilder("curl", "-s", "-o", "/dev/null", "--http2-prior-knowledge", "-m", "2",
                "-H", "content-type: application/json", "-d", BODY,
                "http://127.0.0.1:" + gw.server.port() + "/v1/a/g/openai/chat/completions")
                .redirectErrorStream(true).start();
        awaitProviderCall();
        assertTrue(curl.waitFor(10, TimeUnit.SECONDS));
        long left = System.nanoTime();
        assertEquals(28, curl.exitValue(), "curl gave up (its 2 s timeout) before any answer");
        assertCancelledAndLogged(left);
    }

    /** The provider has the request: the call is in flight when the client leaves. */
    private void awaitProviderCall() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (provider.calls.get() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(1, provider.calls.get(), "the provider got the call");
    }

    private void assertCancelledAndLogged(long clientLeft) throws Exception {
        assertTrue(provider.cancelled.await(3, TimeUnit.SECONDS), "the provider saw its call cancelled");
        long after = (System.nanoTime() - clientLeft) / 1_000_000;
        assertTrue(after < 1_500, "cancelled within about a second of the client leaving, took " + after + " ms");
        assertEquals(1, provider.calls.get(), "no retry for a client who is gone");
        JsonNode log = Json.MAPPER.readTree(gw.awaitLog("g", onlyLogId("g"))).get("result");
        assertEquals("client_disconnected", log.get("outcome").asText(), log.toString());
    }

    /** The one log of the gateway (the client never saw its cf-aig-log-id). */
    private String onlyLogId(String gateway) throws Exception {
        long deadline = System.currentTimeMillis() + 5_000;
        while (true) {
            HttpResponse<String> r = gw.admin("/api/v1/gateways/" + gateway + "/logs");
            JsonNode result = Json.MAPPER.readTree(r.body()).get("result");
            if (r.statusCode() == 200 && result != null && result.size() == 1) {
                return result.get(0).get("id").asText();
            }
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("no single log: " + r.statusCode() + " " + r.body());
            }
            Thread.sleep(20);
        }
    }

    static boolean curlAvailable() {
        try {
            return new ProcessBuilder("curl", "--version").redirectErrorStream(true).start().waitFor() == 0;
        } catch (Exception e) {
            return false;
        }
    }
}

package io.aigateway.server;

import io.aigateway.testing.Harness;
import io.aigateway.testing.StubUpstream;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** SIGTERM (the local runtime's close) lets requests in progress finish, so their answers and records complete. */
class GracefulStopTest {

    @Test
    void aRequestInProgressIsAnsweredWhenTheServerStops() throws Exception {
        try (StubUpstream stub = new StubUpstream();
             Harness gw = Harness.forProvider("openai", stub.baseUri().resolve("/v1"))) {
            stub.on("/v1/chat/completions", StubUpstream.slow(700, StubUpstream.json(200, StubUpstream.CHAT_COMPLETION)));
            CompletableFuture<HttpResponse<String>> answer = gw.http.sendAsync(HttpRequest.newBuilder(
                            gw.url("/v1/a/g/openai/chat/completions"))
                    .header("content-type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"gpt-4o-mini\",\"messages\":[]}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            Thread.sleep(200); // the request is with the provider
            long start = System.nanoTime();
            gw.server.close();
            HttpResponse<String> r = answer.get(10, TimeUnit.SECONDS);
            assertEquals(200, r.statusCode(), r.body());
            assertEquals(StubUpstream.CHAT_COMPLETION, r.body());
            long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            // returns once nothing is in progress, well before the grace period ends
            org.junit.jupiter.api.Assertions.assertTrue(tookMs < GatewayHttpServer.STOP_GRACE_SECONDS * 1000L,
                    "stopped after " + tookMs + " ms");
        }
    }
}

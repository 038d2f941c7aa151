package io.aigateway.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import io.aigateway.core.Json;
import io.aigateway.testing.Harness;
import io.aigateway.testing.StubUpstream;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** A provider that compresses its answer anyway: the client gets its bytes unchanged, the log still gets tokens. */
class GzipUpstreamTest {

    private static byte[] gzip(String text) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(text.getBytes(StandardCharsets.UTF_8));
        }
        return out.toByteArray();
    }

    @Test
    void tokensAndTheLogHeadAreReadFromAGzippedAnswerWhichTheClientGetsUnchanged() throws Exception {
        byte[] compressed = gzip(StubUpstream.CHAT_COMPLETION);
        try (StubUpstream stub = new StubUpstream();
             Harness gw = Harness.forProvider("openai", stub.baseUri().resolve("/v1"))) {
            stub.on("/v1/chat/completions", exchange -> {
                exchange.getRequestBody().readAllBytes();
                exchange.getResponseHeaders().add("content-type", "application/json");
                exchange.getResponseHeaders().add("content-encoding", "gzip");
                exchange.sendResponseHeaders(200, 0); // chunked: the body arrives in pieces
                try (OutputStream out = exchange.getResponseBody()) {
                    for (int i = 0; i < compressed.length; i += 7) {
                        out.write(compressed, i, Math.min(7, compressed.length - i));
                        out.flush();
                    }
                }
            });
            HttpResponse<byte[]> r = gw.http.send(HttpRequest.newBuilder(gw.url("/v1/a/g/openai/chat/completions"))
                    .header("content-type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"gpt-4o-mini\"}")).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(200, r.statusCode());
            assertEquals("gzip", r.headers().firstValue("content-encoding").orElseThrow());
            assertArrayEquals(compressed, r.body(), "the provider's bytes, unchanged");
            assertEquals(StubUpstream.CHAT_COMPLETION,
                    new String(new GZIPInputStream(new java.io.ByteArrayInputStream(r.body())).readAllBytes(),
                            StandardCharsets.UTF_8));
            JsonNode log = Json.MAPPER.readTree(gw.awaitLog("g", r.headers().firstValue("cf-aig-log-id").orElseThrow()))
                    .get("result");
            assertEquals(12, log.get("tokens_in").asInt(), log.toString());
            assertEquals(3, log.get("tokens_out").asInt());
            assertEquals(StubUpstream.CHAT_COMPLETION, log.get("response_head").asText());
        }
    }
}

package io.aigateway.lambda;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.amazonaws.services.lambda.runtime.serialization.PojoSerializer;
import com.amazonaws.services.lambda.runtime.serialization.events.LambdaEventSerializers;
import com.fasterxml.jackson.databind.JsonNode;
import io.aigateway.core.Json;
import io.aigateway.testing.Harness;
import io.aigateway.testing.StubUpstream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The events in events/*.json, deserialized as the Lambda runtime does, through the handler. */
class LambdaHandlerTest {
    private static final Path EVENTS = Path.of(System.getProperty("gateway.repo.root", "../.."), "events");

    private StubUpstream stub;
    private Harness gw;
    private LambdaHandler handler;

    @BeforeEach
    void start() {
        stub = new StubUpstream();
        gw = new Harness(Map.of("GATEWAY_UPSTREAM_OPENAI", stub.baseUri() + "/v1",
                "GATEWAY_UPSTREAM_ANTHROPIC", stub.baseUri().toString()));
        handler = new LambdaHandler(gw.app.gateway());
    }

    @AfterEach
    void stop() {
        gw.close();
        stub.close();
    }

    static APIGatewayV2HTTPEvent event(String name) throws Exception {
        PojoSerializer<APIGatewayV2HTTPEvent> serializer = LambdaEventSerializers.serializerFor(
                APIGatewayV2HTTPEvent.class, LambdaHandlerTest.class.getClassLoader());
        try (InputStream in = Files.newInputStream(EVENTS.resolve(name))) {
            return serializer.fromJson(in);
        }
    }

    /** The request's log, once the ingest stored its record (the journal, here; CloudWatch Logs on AWS). */
    private JsonNode logWrittenBeforeReturn(APIGatewayV2HTTPResponse r, String gateway) throws Exception {
        String id = r.getHeaders().get("cf-aig-log-id");
        return Json.MAPPER.readTree(gw.awaitLog(gateway, id)).get("result");
    }

    /** events/compat-chat-completion.json: an OpenAI request for an Anthropic model, answered in OpenAI's format. */
    @Test
    void compatEventReachesAnthropicTranslatedAndAnswersInOpenAiFormat() throws Exception {
        stub.on("/v1/messages", StubUpstream.json(200, """
                {"id":"msg_1","type":"message","role":"assistant","model":"claude-haiku-4-5","content":[{"type":"text",
                 "text":"Paris"}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":20,"output_tokens":2}}"""));
        APIGatewayV2HTTPResponse r = handler.handleRequest(event("compat-chat-completion.json"), null);
        assertEquals(200, r.getStatusCode(), r.getBody());
        JsonNode answer = Json.MAPPER.readTree(r.getBody());
        assertEquals("chat.completion", answer.path("object").asText());
        assertEquals("Paris", answer.at("/choices/0/message/content").asText());
        assertEquals(22, answer.at("/usage/total_tokens").asInt());
        StubUpstream.Received up = stub.lastRequest();
        assertEquals("sk-ant-test-not-a-real-key", up.header("x-api-key"));
        assertEquals("Answer in one word.", Json.MAPPER.readTree(up.bodyText()).at("/system/0/text").asText());
        assertEquals("anthropic", logWrittenBeforeReturn(r, "default").path("provider").asText());
    }

    /**
     * On Lambda the record is a stdout line printed before the handler returns (the environment may be frozen right
     * after); the log-ingest function stores it from there. Here: the lines are captured as the handler returns,
     * then given to the same ingest code, and the log is readable.
     */
    @Test
    void recordLinesLeaveBeforeTheHandlerReturnsAndIngestStoresThem() throws Exception {
        stub.on("/v1/chat/completions", StubUpstream.json(200, StubUpstream.CHAT_COMPLETION));
        List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (io.aigateway.GatewayApp app = io.aigateway.GatewayApp.create(gw.config, gw.dynamo,
                io.aigateway.metrics.RequestMetrics.standard(true), new io.aigateway.store.StoreStats(),
                (io.aigateway.recording.RecordSink) lines::addAll)) {
            APIGatewayV2HTTPResponse r = new LambdaHandler(app.gateway()).handleRequest(event("chat-completion.json"), null);
            assertEquals(200, r.getStatusCode());
            String id = r.getHeaders().get("cf-aig-log-id");
            assertEquals(1, lines.stream().filter(l -> l.contains("\"aigw\":\"log\"")).count(), "one record line: " + lines);
            JsonNode line = Json.MAPPER.readTree(lines.get(0));
            assertEquals(id, line.get("log").get("id").asText());
            assertTrue(line.has("_aws"), "the same line is the EMF document");
            assertTrue(lines.stream().anyMatch(l -> l.contains("\"aigw\":\"body\"")), "bodies as part lines");
            var ingest = new io.aigateway.ingest.Ingest(gw.dynamo, gw.table,
                    new io.aigateway.log.LogStore(gw.dynamo, gw.table, java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()),
                    new io.aigateway.analytics.Rollups(gw.dynamo, gw.table), new io.aigateway.ingest.IngestStats());
            assertEquals(1, ingest.apply("lambda-test", lines).logsStored());
            var got = gw.admin("/api/v1/gateways/default/logs/" + id);
            assertEquals(200, got.statusCode(), got.body());
            assertEquals(200, gw.admin("/api/v1/gateways/default/logs/" + id + "/request").statusCode());
        }
    }

    @Test
    void chatCompletion() throws Exception {
        stub.on("/v1/chat/completions", StubUpstream.json(200, StubUpstream.CHAT_COMPLETION,
                Map.of("set-cookie", "upstream=1; Path=/")));
        APIGatewayV2HTTPResponse r = handler.handleRequest(event("chat-completion.json"), null);
        assertEquals(200, r.getStatusCode());
        assertEquals(StubUpstream.CHAT_COMPLETION, r.getBody());
        assertFalse(r.getIsBase64Encoded());
        assertEquals(List.of("upstream=1; Path=/"), r.getCookies());

        StubUpstream.Received up = stub.lastRequest();
        assertEquals("/v1/chat/completions", up.path());
        assertEquals("trace=1", up.query());
        assertNull(up.header("cookie"), "the client's cookies are for the gateway, never for a provider");
        assertEquals("alpha,beta", up.header("x-client-tag"));
        assertEquals("Bearer sk-test-not-a-real-key", up.header("authorization"));
        assertNull(up.header("x-forwarded-for"), "the client's address is not passed to providers");
        assertFalse(up.hasHeader("x-amzn-"));
        assertFalse(up.hasHeader("cf-aig-"));
        assertTrue(up.bodyText().startsWith("{\"model\":\"gpt-4o-mini\""));

        JsonNode log = logWrittenBeforeReturn(r, "default");
        assertEquals("search", log.get("metadata").get("team").asText());
        assertEquals(12, log.get("tokens_in").asInt());
    }

    @Test
    void largeTextAnswersGoGzippedToClientsThatAcceptIt() throws Exception {
        String big = StubUpstream.CHAT_COMPLETION.replace("\"content\":\"", "\"content\":\"" + "lorem ipsum ".repeat(4000));
        stub.on("/v1/chat/completions", StubUpstream.json(200, big));
        APIGatewayV2HTTPEvent gzipOk = event("chat-completion.json");
        Map<String, String> headers = new java.util.HashMap<>(gzipOk.getHeaders());
        headers.put("accept-encoding", "gzip, deflate");
        gzipOk.setHeaders(headers);
        APIGatewayV2HTTPResponse r = handler.handleRequest(gzipOk, null);
        assertEquals(200, r.getStatusCode());
        assertEquals("gzip", r.getHeaders().get("content-encoding"));
        assertTrue(r.getIsBase64Encoded());
        assertTrue(r.getBody().length() < big.length() / 4, "compressed: " + r.getBody().length());
        try (var in = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(
                Base64.getDecoder().decode(r.getBody())))) {
            assertEquals(big, new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
        }

        APIGatewayV2HTTPEvent plain = event("chat-completion.json");
        Map<String, String> noGzip = new java.util.HashMap<>(plain.getHeaders());
        noGzip.remove("accept-encoding");
        noGzip.put("accept-encoding", "identity");
        plain.setHeaders(noGzip);
        APIGatewayV2HTTPResponse p = handler.handleRequest(plain, null);
        assertNull(p.getHeaders().get("content-encoding"));
        assertEquals(big, p.getBody());
    }

    @Test
    void streamingChatIsReturnedWholeAsEventStream() throws Exception {
        List<String> events = StubUpstream.openAiChunks("Par", "is");
        stub.on("/v1/chat/completions", stub.sse(events, 5));
        APIGatewayV2HTTPResponse r = handler.handleRequest(event("chat-completion-stream.json"), null);
        assertEquals(200, r.getStatusCode());
        assertEquals("text/event-stream", r.getHeaders().get("content-type"));
        assertEquals(String.join("", events), r.getBody());
        JsonNode log = logWrittenBeforeReturn(r, "default");
        assertTrue(log.get("stream").asBoolean());
        assertEquals(2, log.get("tokens_out").asInt());
    }

    @Test
    void anthropicMessageWithBase64Body() throws Exception {
        String message = "{\"id\":\"msg_1\",\"type\":\"message\",\"model\":\"claude-sonnet-4-5\",\"content\":[{\"type\":\"text\","
                + "\"text\":\"Hi\"}],\"usage\":{\"input_tokens\":21,\"output_tokens\":4}}";
        stub.on("/v1/messages", StubUpstream.json(200, message));
        APIGatewayV2HTTPEvent event = event("anthropic-message.json");
        APIGatewayV2HTTPResponse r = handler.handleRequest(event, null);
        assertEquals(200, r.getStatusCode());
        assertEquals(message, r.getBody());
        StubUpstream.Received up = stub.lastRequest();
        assertEquals(new String(Base64.getDecoder().decode(event.getBody())), up.bodyText());
        assertEquals("2023-06-01", up.header("anthropic-version"));
        assertTrue(up.header("x-api-key").startsWith("sk-ant-"));
        JsonNode log = logWrittenBeforeReturn(r, "default");
        assertEquals("anthropic", log.get("provider").asText());
        assertEquals(21, log.get("tokens_in").asInt());
        assertEquals(4, log.get("tokens_out").asInt());
    }

    @Test
    void badPathIsRefusedWithoutAnUpstreamCall() throws Exception {
        APIGatewayV2HTTPResponse r = handler.handleRequest(event("bad-path.json"), null);
        assertEquals(400, r.getStatusCode());
        assertEquals(2004, io.aigateway.testing.ErrorBodies.code(r.getBody()));
        assertEquals(0, stub.calls.get());
    }

    @Test
    void unknownProvider() throws Exception {
        APIGatewayV2HTTPResponse r = handler.handleRequest(event("unknown-provider.json"), null);
        assertEquals(400, r.getStatusCode());
        assertTrue(r.getBody().contains("Known providers: openai, anthropic"), r.getBody());
    }

    @Test
    void healthz() throws Exception {
        APIGatewayV2HTTPResponse r = handler.handleRequest(event("healthz.json"), null);
        assertEquals(200, r.getStatusCode());
        assertEquals("{\"status\":\"ok\"}", r.getBody());
    }

    @Test
    void binaryResponsesAreBase64Encoded() throws Exception {
        byte[] audio = {(byte) 0xFF, (byte) 0xFB, 0x00, 0x10, (byte) 0x80};
        stub.on("/v1/audio/speech", exchange -> {
            exchange.getResponseHeaders().add("content-type", "audio/mpeg");
            exchange.sendResponseHeaders(200, audio.length);
            exchange.getResponseBody().write(audio);
        });
        APIGatewayV2HTTPEvent event = event("chat-completion.json");
        event.setRawPath("/v1/acct/default/openai/audio/speech");
        APIGatewayV2HTTPResponse r = handler.handleRequest(event, null);
        assertTrue(r.getIsBase64Encoded());
        assertEquals(Base64.getEncoder().encodeToString(audio), r.getBody());
    }

    @Test
    void aBodyMarkedBase64ThatIsNotAnswers400NotAFunctionError() throws Exception {
        APIGatewayV2HTTPEvent event = event("chat-completion.json");
        event.setIsBase64Encoded(true);
        event.setBody("not base64 at all!");
        APIGatewayV2HTTPResponse r = handler.handleRequest(event, null);
        assertEquals(400, r.getStatusCode());
        assertEquals(2015, io.aigateway.testing.ErrorBodies.code(r.getBody()));
        assertEquals(0, stub.calls.get());
    }

    @Test
    void anAnswerLargerThanLambdasSixMegabytesIsA502NamingStreamingAndIsLoggedSo() throws Exception {
        String huge = "{\"id\":\"x\",\"pad\":\"" + "a".repeat(7 * 1024 * 1024) + "\"}";
        stub.on("/v1/chat/completions", StubUpstream.json(200, huge));
        APIGatewayV2HTTPResponse r = handler.handleRequest(event("chat-completion.json"), null);
        assertEquals(502, r.getStatusCode());
        JsonNode error = Json.MAPPER.readTree(r.getBody()).get("error").get(0);
        assertEquals(2042, error.get("code").asInt());
        assertTrue(error.get("message").asText().contains("Streaming=true"), error.toString());
        JsonNode log = logWrittenBeforeReturn(r, "default");
        assertEquals(502, log.get("status_code").asInt());
        assertEquals(2042, log.get("error_code").asInt());

        String large = "{\"id\":\"x\",\"pad\":\"" + "a".repeat(5 * 1024 * 1024) + "\"}";
        stub.on("/v1/chat/completions", StubUpstream.json(200, large));
        APIGatewayV2HTTPResponse ok = handler.handleRequest(event("chat-completion.json"), null);
        assertEquals(200, ok.getStatusCode());
        assertEquals(large.length(), ok.getBody().length());
    }

    @Test
    void everyEventFileParses() throws Exception {
        try (var files = Files.list(EVENTS)) {
            // cloudwatch-logs-*.json are the log-ingest function's events (its own tests read them)
            for (Path p : files.filter(f -> f.toString().endsWith(".json"))
                    .filter(f -> !f.getFileName().toString().startsWith("cloudwatch-logs-")).toList()) {
                APIGatewayV2HTTPEvent e = event(p.getFileName().toString());
                assertTrue(e.getRawPath().startsWith("/"), p.toString());
                APIGatewayV2HTTPResponse r = handler.handleRequest(e, null);
                assertTrue(r.getStatusCode() >= 200 && r.getStatusCode() < 600, p.toString());
                assertTrue(r.getHeaders().get("content-type") != null, p + " has a content type");
            }
        }
    }
}

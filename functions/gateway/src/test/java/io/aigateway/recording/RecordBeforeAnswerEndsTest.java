package io.aigateway.recording;

import io.aigateway.GatewayApp;
import io.aigateway.config.GatewayConfig;
import io.aigateway.metrics.RequestMetrics;
import io.aigateway.server.GatewayHttpServer;
import io.aigateway.store.AwsClients;
import io.aigateway.store.StoreStats;
import io.aigateway.testing.DynamoDbLocal;
import io.aigateway.testing.StubUpstream;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A client never holds a whole answer whose record is not yet kept: a crash in between would lose the log of an
 * answered request. With a provider Content-Length the transport sends a fixed-length body, so the gateway holds its
 * last byte until the record is written; a chunked (streamed) answer waits for its terminating chunk instead.
 */
class RecordBeforeAnswerEndsTest {

    @Test
    void fixedLengthAnswerCompletesOnlyAfterItsRecordIsWritten() throws Exception {
        assertAnswerWaitsForRecord(stub -> StubUpstream.json(200, StubUpstream.CHAT_COMPLETION), false);
    }

    @Test
    void streamedAnswerCompletesOnlyAfterItsRecordIsWritten() throws Exception {
        assertAnswerWaitsForRecord(stub -> stub.sse(StubUpstream.openAiChunks("a", "b"), 0), true);
    }

    private static void assertAnswerWaitsForRecord(Function<StubUpstream, StubUpstream.Reply> reply, boolean stream) throws Exception {
        CountDownLatch recordStarted = new CountDownLatch(1);
        CountDownLatch recordMayFinish = new CountDownLatch(1);
        RecordSink slowSink = lines -> {
            recordStarted.countDown();
            try {
                return recordMayFinish.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        };
        try (StubUpstream stub = new StubUpstream()) {
            stub.on("/v1/chat/completions", reply.apply(stub));
            GatewayConfig config = GatewayConfig.fromEnv(Map.of("GATEWAY_TABLE", DynamoDbLocal.newTable(),
                    "GATEWAY_ADMIN_TOKEN", "test-admin-token-0123456789",
                    "GATEWAY_UPSTREAM_OPENAI", stub.baseUri().resolve("/v1").toString()));
            StoreStats stats = new StoreStats();
            try (DynamoDbClient dynamo = AwsClients.dynamoBuilder(AwsClients.httpClient(), stats)
                    .endpointOverride(DynamoDbLocal.endpoint())
                    .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("l", "l")))
                    .build();
                 GatewayApp app = GatewayApp.create(config, dynamo, new RequestMetrics(RequestMetrics.sinkOf(l -> {
                 }), true), stats, slowSink);
                 GatewayHttpServer server = GatewayHttpServer.start(app.gateway(), new InetSocketAddress("127.0.0.1", 0))) {
                HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                String body = "{\"model\":\"gpt-4o-mini\",\"stream\":" + stream
                        + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
                CompletableFuture<HttpResponse<String>> answer = http.sendAsync(HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + server.port() + "/v1/a/g/openai/chat/completions"))
                        .header("content-type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
                assertTrue(recordStarted.await(10, TimeUnit.SECONDS), "the record is written");
                Thread.sleep(300);
                assertFalse(answer.isDone(), "the client does not have the whole answer while its record is pending");
                recordMayFinish.countDown();
                HttpResponse<String> r = answer.get(10, TimeUnit.SECONDS);
                assertEquals(200, r.statusCode(), r.body());
                assertTrue(stream ? r.body().contains("[DONE]") : r.body().equals(StubUpstream.CHAT_COMPLETION),
                        "the whole answer arrives: " + r.body());
                if (!stream) {
                    assertTrue(r.headers().firstValue("content-length").isPresent(), "sent with a fixed length");
                }
            }
        }
    }
}

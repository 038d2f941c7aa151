package io.aigateway.guard;

import io.aigateway.GatewayApp;
import io.aigateway.config.GatewayConfig;
import io.aigateway.metrics.RequestMetrics;
import io.aigateway.recording.RecordSink;
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
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.zip.GZIPInputStream;

import static io.aigateway.guard.DlpFixtures.CARD;
import static io.aigateway.guard.DlpFixtures.EMAIL;
import static io.aigateway.guard.DlpFixtures.SSN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What leaves the process (the record lines: EMF with the log, body parts) never holds a value a DLP policy acted
 * on, whether log_redaction is set or not, metadata included; the same lines hold the values when no policy acted
 * and log_redaction is off (so the check can fail).
 */
class DlpRecordLinesTest {

    @Test
    void noEmittedLineHoldsAPlantedValue() throws Exception {
        try (StubUpstream stub = new StubUpstream()) {
            stub.on("/v1/chat/completions", exchange -> {
                boolean stream = new String(exchange.getRequestBody().readAllBytes()).contains("\"stream\":true");
                if (stream) {
                    stub.sse(DlpFixtures.openAiStream("Your SSN is ", SSN, " ok"), 2).answer(exchange);
                } else {
                    StubUpstream.json(200, DlpFixtures.completion("noted")).answer(exchange);
                }
            });
            List<String> lines = new CopyOnWriteArrayList<>();
            GatewayConfig config = GatewayConfig.fromEnv(Map.of("GATEWAY_TABLE", DynamoDbLocal.newTable(),
                    "GATEWAY_UPSTREAM_OPENAI", stub.baseUri() + "/v1", "GATEWAY_ADMIN_TOKEN", "admin-token-0123456789"));
            StoreStats stats = new StoreStats();
            HttpClient http = HttpClient.newHttpClient();
            try (DynamoDbClient dynamo = AwsClients.dynamoBuilder(AwsClients.httpClient(), stats)
                    .endpointOverride(DynamoDbLocal.endpoint())
                    .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("l", "l")))
                    .build();
                 GatewayApp app = GatewayApp.create(config, dynamo, RequestMetrics.standard(true), stats,
                         (RecordSink) lines::addAll);
                 GatewayHttpServer server = GatewayHttpServer.start(app.gateway(), new InetSocketAddress("127.0.0.1", 0))) {
                String base = "http://127.0.0.1:" + server.port();
                HttpResponse<String> put = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/gateways/g"))
                        .header("authorization", "Bearer admin-token-0123456789")
                        .PUT(HttpRequest.BodyPublishers.ofString(DlpFixtures.POLICIES)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, put.statusCode(), put.body());
                String metadata = "{\"user\":\"" + EMAIL + "\"}";
                for (String body : List.of(DlpFixtures.chat("card " + CARD), DlpFixtures.chat("mail " + EMAIL),
                        DlpFixtures.chatStream("mail " + EMAIL + " my number"))) {
                    http.send(HttpRequest.newBuilder(URI.create(base + "/v1/a/g/openai/chat/completions"))
                            .header("content-type", "application/json").header("authorization", "Bearer sk-test")
                            .header("cf-aig-metadata", metadata)
                            .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
                }
                long deadline = System.currentTimeMillis() + 5_000;
                while (lines.stream().filter(l -> l.contains("\"aigw\":\"log\"")).count() < 3
                        && System.currentTimeMillis() < deadline) {
                    Thread.sleep(20);
                }
                String emitted = decoded(lines);
                assertEquals(3, lines.stream().filter(l -> l.contains("\"aigw\":\"log\"")).count(), emitted);
                assertTrue(emitted.contains("\"dlp_action\":\"BLOCK\""), emitted);
                assertTrue(emitted.contains("\"dlp_action\":\"REDACT\""), emitted);
                for (String value : List.of(CARD, EMAIL, SSN)) {
                    assertFalse(emitted.contains(value), value + " emitted: " + emitted);
                }

                // the control: no policy acts and log_redaction is off, so the same lines carry the value
                lines.clear();
                http.send(HttpRequest.newBuilder(URI.create(base + "/v1/a/other/openai/chat/completions"))
                        .header("content-type", "application/json").header("authorization", "Bearer sk-test")
                        .header("cf-aig-metadata", metadata)
                        .POST(HttpRequest.BodyPublishers.ofString(DlpFixtures.chat("mail " + EMAIL))).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertTrue(decoded(lines).contains(EMAIL), "the check reads what is emitted");
            }
        }
    }

    /** The lines with their body parts unpacked (base64 of gzip), so a value inside a stored body is seen too. */
    private static String decoded(List<String> lines) throws Exception {
        StringBuilder out = new StringBuilder();
        for (String line : lines) {
            out.append(line).append('\n');
            var m = java.util.regex.Pattern.compile("\"data\":\"([A-Za-z0-9+/=]+)\"").matcher(line);
            while (m.find()) {
                byte[] gz = Base64.getDecoder().decode(m.group(1));
                try (GZIPInputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(gz))) {
                    out.append(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)).append('\n');
                } catch (java.io.IOException partOfALargerBody) {
                    out.append("(part)");
                }
            }
        }
        return out.toString();
    }
}

package io.aigateway.lambda;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import io.aigateway.GatewayApp;
import io.aigateway.config.GatewayConfig;
import io.aigateway.recording.RecordSink;
import io.aigateway.metrics.RequestMetrics;
import io.aigateway.store.AwsClients;
import io.aigateway.store.StoreStats;
import io.aigateway.testing.DynamoDbLocal;
import io.aigateway.testing.StubUpstream;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * What a request waits for on Lambda: with settings cached, a plain proxied request makes no DynamoDB call at all
 * (its record is a stdout line), and a cache fill is in DynamoDB by the time the handler returns (the environment
 * may be frozen right after).
 */
class RequestPathStoreCallsTest {

    private static long calls(StoreStats stats) {
        return stats.snapshot().values().stream().mapToLong(StoreStats.Snapshot::calls).sum();
    }

    @Test
    void aPlainRequestMakesNoStoreCallOnceSettingsAreCachedAndACacheFillLandsBeforeTheHandlerReturns() throws Exception {
        try (StubUpstream stub = new StubUpstream()) {
            stub.on("/v1/chat/completions", StubUpstream.json(200, StubUpstream.CHAT_COMPLETION));
            String table = DynamoDbLocal.newTable();
            Map<String, String> env = new HashMap<>(Map.of("GATEWAY_TABLE", table,
                    "GATEWAY_UPSTREAM_OPENAI", stub.baseUri() + "/v1",
                    "AWS_LAMBDA_FUNCTION_NAME", "gateway")); // as on Lambda: writes settle before the answer
            GatewayConfig config = GatewayConfig.fromEnv(env);
            StoreStats stats = new StoreStats();
            List<String> lines = new CopyOnWriteArrayList<>();
            try (DynamoDbClient dynamo = AwsClients.dynamoBuilder(AwsClients.httpClient(), stats)
                    .endpointOverride(DynamoDbLocal.endpoint())
                    .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                    .build();
                 GatewayApp app = GatewayApp.create(config, dynamo, RequestMetrics.standard(true), stats,
                         (RecordSink) lines::addAll)) {
                LambdaHandler handler = new LambdaHandler(app.gateway());
                APIGatewayV2HTTPEvent event = LambdaHandlerTest.event("chat-completion.json");
                assertEquals(200, handler.handleRequest(event, null).getStatusCode()); // reads settings once
                long before = calls(stats);
                for (int i = 0; i < 20; i++) {
                    assertEquals(200, handler.handleRequest(event, null).getStatusCode());
                }
                assertEquals(before, calls(stats), "no store call on a plain request's path: " + stats.snapshot());
                assertEquals(21, lines.stream().filter(l -> l.contains("\"aigw\":\"log\"")).count());

                // a cache miss: the fill must be stored when the handler returns
                event.getHeaders().put("cf-aig-cache-ttl", "600");
                assertEquals(200, handler.handleRequest(event, null).getStatusCode());
                List<Map<String, AttributeValue>> cached = dynamo.scan(b -> b.tableName(table)
                        .filterExpression("begins_with(pk, :p)")
                        .expressionAttributeValues(Map.of(":p", AttributeValue.fromS("CACHE#")))).items();
                assertFalse(cached.isEmpty(), "cache entry written before the handler returned");
            }
        }
    }
}

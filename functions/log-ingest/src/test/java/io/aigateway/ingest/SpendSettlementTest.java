package io.aigateway.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import io.aigateway.budget.Settlement;
import io.aigateway.core.Json;
import io.aigateway.log.LogStore;
import io.aigateway.store.AwsClients;
import io.aigateway.store.Keys;
import io.aigateway.store.StoreStats;
import io.aigateway.store.TableSchema;
import io.aigateway.testing.DynamoDbLocal;
import io.aigateway.testing.MotoServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

import java.math.BigDecimal;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Budget settlements through the ingest, on DynamoDB Local, with spend alerts to an SNS topic on moto_server that an
 * SQS queue subscribes to: each request's settlement is applied once per log id however often (and in whichever
 * batch) it is delivered, and each alert threshold is published once per window and bucket.
 */
class SpendSettlementTest {
    private static final String GATEWAY = "gw";
    private static MotoServer moto;
    private static SnsClient sns;
    private static SqsClient sqs;

    private String table;
    private DynamoDbClient dynamo;
    private String queueUrl;
    private Ingest ingest;
    private final long windowStart = Math.floorDiv(Instant.now().getEpochSecond(), 3600) * 3600;

    @BeforeAll
    static void startMoto() throws Exception {
        moto = MotoServer.start();
        URI endpoint = moto.endpoint();
        StaticCredentialsProvider creds = StaticCredentialsProvider.create(AwsBasicCredentials.create("x", "x"));
        sns = SnsClient.builder().endpointOverride(endpoint).region(Region.US_EAST_1).credentialsProvider(creds)
                .httpClient(Apache5HttpClient.create()).build();
        sqs = SqsClient.builder().endpointOverride(endpoint).region(Region.US_EAST_1).credentialsProvider(creds)
                .httpClient(Apache5HttpClient.create()).build();
    }

    @AfterAll
    static void stopMoto() {
        if (sns != null) {
            sns.close();
            sqs.close();
        }
        if (moto != null) {
            moto.close();
        }
    }

    @BeforeEach
    void setUp() {
        table = DynamoDbLocal.newTable();
        dynamo = AwsClients.dynamoBuilder(AwsClients.httpClient(), new StoreStats())
                .endpointOverride(DynamoDbLocal.endpoint())
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                .build();
        String topic = sns.createTopic(b -> b.name("spend-alerts-" + table)).topicArn();
        queueUrl = sqs.createQueue(b -> b.queueName("alerts-" + table)).queueUrl();
        String queueArn = sqs.getQueueAttributes(b -> b.queueUrl(queueUrl).attributeNames(QueueAttributeName.QUEUE_ARN))
                .attributes().get(QueueAttributeName.QUEUE_ARN);
        sns.subscribe(b -> b.topicArn(topic).protocol("sqs").endpoint(queueArn)
                .attributes(Map.of("RawMessageDelivery", "false")));
        ingest = new Ingest(dynamo, table, new LogStore(dynamo, table, Executors.newVirtualThreadPerTaskExecutor()),
                null, new IngestStats(), new SnsAlertPublisher(sns, topic));
    }

    private String pk(String rule) {
        return Keys.spend(GATEWAY, rule, windowStart);
    }

    /** A settlement line of one request on the rule's one bucket ("all"), as a gateway with logs off writes it. */
    private String line(String logId, String rule, String reserved, String actual, boolean observe) {
        Settlement.Entry entry = new Settlement.Entry(pk(rule), "all", new BigDecimal(reserved),
                new BigDecimal(actual), rule, "spend", new BigDecimal("10"), windowStart + 3600, Map.of(),
                List.of(50, 80, 100), observe);
        return RecordFormat.logLine(null, new Settlement(logId, GATEWAY, List.of(entry)));
    }

    private Map<String, AttributeValue> bucket(String rule) {
        return dynamo.getItem(b -> b.tableName(table).consistentRead(true).key(Map.of(
                TableSchema.PK, AttributeValue.fromS(pk(rule)), TableSchema.SK, AttributeValue.fromS("all")))).item();
    }

    private static BigDecimal n(Map<String, AttributeValue> item, String name) {
        return item.get(name) == null ? BigDecimal.ZERO : new BigDecimal(item.get(name).n());
    }

    private List<JsonNode> alerts() throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (int empty = 0; empty < 2; ) {
            List<Message> got = sqs.receiveMessage(b -> b.queueUrl(queueUrl).maxNumberOfMessages(10).waitTimeSeconds(1))
                    .messages();
            if (got.isEmpty()) {
                empty++;
                continue;
            }
            for (Message m : got) {
                JsonNode envelope = Json.MAPPER.readTree(m.body());
                out.add(Json.MAPPER.readTree(envelope.get("Message").asText()));
                sqs.deleteMessage(b -> b.queueUrl(queueUrl).receiptHandle(m.receiptHandle()));
            }
        }
        return out;
    }

    @Test
    void aReservationIsSettledOncePerLogIdWhateverBatchDeliversItAgain() {
        // what the gateway's reservation did before the call: ADD used, reserved
        dynamo.updateItem(b -> b.tableName(table).key(Map.of(TableSchema.PK, AttributeValue.fromS(pk("r")),
                        TableSchema.SK, AttributeValue.fromS("all")))
                .updateExpression("ADD used :a, reserved :a")
                .expressionAttributeValues(Map.of(":a", AttributeValue.fromN("4"))));
        List<String> batch = List.of(line("L1", "r", "4", "1.5", false));
        assertEquals(1, ingest.apply("batch-1", batch).records());
        ingest.apply("batch-1", batch); // the same delivery again: the batch marker skips it
        ingest.apply("batch-2", batch); // the same record in another batch: its settlement marker skips it
        Map<String, AttributeValue> item = bucket("r");
        assertEquals(0, new BigDecimal("1.5").compareTo(n(item, "used")), item.toString());
        assertEquals(0, n(item, "reserved").signum(), item.toString());
    }

    @Test
    void eachThresholdIsPublishedOncePerWindowAndBucketEvenWhenAPayloadIsDeliveredAgain() throws Exception {
        List<String> first = List.of(line("A1", "team", "0", "3", true), line("A2", "team", "0", "3", true));
        ingest.apply("b1", first);
        ingest.apply("b1", first);
        ingest.apply("b1-again", first); // re-delivered under another batch id: nothing is counted or sent twice
        List<JsonNode> sent = alerts();
        assertEquals(1, sent.size(), sent.toString());
        assertEquals(50, sent.get(0).get("threshold_percent").asInt());
        assertEquals("team", sent.get(0).get("rule").asText());
        assertEquals(0, new BigDecimal("6").compareTo(sent.get(0).get("used").decimalValue()));

        ingest.apply("b2", List.of(line("A3", "team", "0", "3", true)));     // 9 of 10: 80%
        ingest.apply("b3", List.of(line("A4", "team", "0", "1.5", true)));   // 10.5: 100%
        ingest.apply("b3-again", List.of(line("A4", "team", "0", "1.5", true), line("A3", "team", "0", "3", true)));
        List<Integer> thresholds = alerts().stream().map(a -> a.get("threshold_percent").asInt()).sorted().toList();
        assertEquals(List.of(80, 100), thresholds);
        assertEquals(0, new BigDecimal("10.5").compareTo(n(bucket("team"), "used")));

        // the rule observes: the gateway's exhausted set now holds the bucket
        Map<String, AttributeValue> spent = dynamo.getItem(b -> b.tableName(table).consistentRead(true).key(Map.of(
                TableSchema.PK, AttributeValue.fromS(Keys.spent(GATEWAY)),
                TableSchema.SK, AttributeValue.fromS(pk("team") + "|all")))).item();
        assertFalse(spent == null || spent.isEmpty(), "exhausted marker written");
        assertEquals("team", spent.get("rule").s());
    }

    @Test
    void reservationsInFlightNeitherAlertNorExhaustABucket() throws Exception {
        // 9 held by requests in flight, 1 settled: 10% settled, no alert
        dynamo.updateItem(b -> b.tableName(table).key(Map.of(TableSchema.PK, AttributeValue.fromS(pk("held")),
                        TableSchema.SK, AttributeValue.fromS("all")))
                .updateExpression("ADD used :a, reserved :a")
                .expressionAttributeValues(Map.of(":a", AttributeValue.fromN("9"))));
        ingest.apply("h1", List.of(line("H1", "held", "0", "1", true)));
        assertTrue(alerts().isEmpty());
        Map<String, AttributeValue> spent = dynamo.getItem(b -> b.tableName(table).consistentRead(true).key(Map.of(
                TableSchema.PK, AttributeValue.fromS(Keys.spent(GATEWAY)),
                TableSchema.SK, AttributeValue.fromS(pk("held") + "|all")))).item();
        assertTrue(spent == null || spent.isEmpty());
    }
}

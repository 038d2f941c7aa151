package io.aigateway.ingest;

import com.amazonaws.services.lambda.runtime.events.CloudWatchLogsEvent;
import com.amazonaws.services.lambda.runtime.serialization.PojoSerializer;
import com.amazonaws.services.lambda.runtime.serialization.events.LambdaEventSerializers;
import io.aigateway.analytics.Counters;
import io.aigateway.analytics.Rollups;
import io.aigateway.log.LogQuery;
import io.aigateway.log.LogStore;
import io.aigateway.log.RequestLog;
import io.aigateway.metrics.EmfEnvironment;
import io.aigateway.metrics.RequestMetrics;
import io.aigateway.store.AwsClients;
import io.aigateway.store.StoreStats;
import io.aigateway.testing.DynamoDbLocal;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The log-ingest function on DynamoDB Local, fed the CloudWatch Logs subscription samples in events/. */
class LogIngestHandlerTest {
    private static final Path EVENTS = Path.of(System.getProperty("gateway.repo.root", "../.."), "events");
    private static final String HOUR = Rollups.hourOf(SampleEvents.CREATED);

    private String table;
    private DynamoDbClient dynamo;
    private LogStore logs;
    private Rollups rollups;
    private final List<String> emf = new CopyOnWriteArrayList<>();
    private final FailOnce failOnce = new FailOnce();

    @BeforeEach
    void setUp() {
        table = DynamoDbLocal.newTable();
        dynamo = AwsClients.dynamoBuilder(AwsClients.httpClient(), new StoreStats())
                .endpointOverride(DynamoDbLocal.endpoint())
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                .overrideConfiguration(c -> c.addExecutionInterceptor(failOnce))
                .build();
        logs = new LogStore(dynamo, table, Executors.newVirtualThreadPerTaskExecutor());
        rollups = new Rollups(dynamo, table);
    }

    private LogIngestHandler handler() {
        Ingest ingest = new Ingest(dynamo, table, logs, rollups, new IngestStats());
        return new LogIngestHandler(ingest, new EmfEnvironment(RequestMetrics.sinkOf(emf::add)));
    }

    private int metric(int document, String name) throws Exception {
        return io.aigateway.core.Json.MAPPER.readTree(emf.get(document)).get(name).asInt();
    }

    static CloudWatchLogsEvent event(String name) throws Exception {
        PojoSerializer<CloudWatchLogsEvent> serializer = LambdaEventSerializers.serializerFor(
                CloudWatchLogsEvent.class, LogIngestHandlerTest.class.getClassLoader());
        try (InputStream in = Files.newInputStream(EVENTS.resolve(name))) {
            return serializer.fromJson(in);
        }
    }

    private List<RequestLog> stored() {
        return logs.list(new LogQuery("sample", 100, null, 0, SampleEvents.CREATED + 86_400_000L, null, null, null, null))
                .logs();
    }

    private long requestsCounted() {
        return rollups.hour("sample", "provider", HOUR).values().stream().mapToLong(Counters::requests).sum();
    }

    @Test
    void storesEveryRecordOfADeliveryWithItsBodiesAndCountsThemOnce() throws Exception {
        handler().handleRequest(event("cloudwatch-logs-records.json"), null);
        assertEquals(10, stored().size());
        assertEquals(10, requestsCounted());
        RequestLog withBody = stored().stream().filter(l -> l.createdAt() == SampleEvents.CREATED + 1000).findFirst().orElseThrow();
        assertTrue(logs.body("sample", withBody.id(), "request").isPresent(), "body part stored");
        assertEquals(2, rollups.hour("sample", "metadata.team", HOUR).size(), "team a and b");
        assertEquals(10, metric(0, "RecordsIngested"));

        // the same delivery again (at-least-once): nothing changes
        handler().handleRequest(event("cloudwatch-logs-records.json"), null);
        assertEquals(10, stored().size());
        assertEquals(10, requestsCounted(), "rollups applied once");
        assertEquals(12, metric(1, "IngestDuplicates"), "10 logs and 2 body parts");
        assertEquals(0, metric(1, "RecordsIngested"));
    }

    @Test
    void aDeliveryThatFailedHalfWayIsAppliedExactlyOnceWhenItComesBack() throws Exception {
        failOnce.operation = "TransactWriteItems"; // logs stored, then the rollups fail
        assertThrows(SdkClientException.class, () -> handler().handleRequest(event("cloudwatch-logs-records.json"), null));
        assertEquals(10, stored().size());
        assertEquals(0, requestsCounted());
        handler().handleRequest(event("cloudwatch-logs-records.json"), null);
        assertEquals(10, stored().size());
        assertEquals(10, requestsCounted());
        handler().handleRequest(event("cloudwatch-logs-records.json"), null);
        assertEquals(10, requestsCounted());
    }

    @Test
    void aPoisonedRecordIsParkedAndItsNeighboursAreStored() throws Exception {
        handler().handleRequest(event("cloudwatch-logs-poisoned.json"), null);
        assertEquals(9, stored().size(), "every other log of the batch");
        assertEquals(9, requestsCounted());
        var parked = dynamo.query(b -> b.tableName(table).keyConditionExpression("pk = :p")
                .expressionAttributeValues(Map.of(":p", software.amazon.awssdk.services.dynamodb.model.AttributeValue
                        .fromS("PARKED#" + java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd")
                                .withZone(java.time.ZoneOffset.UTC).format(java.time.Instant.now()))))).items();
        assertEquals(2, parked.size(), "the unreadable line and the log DynamoDB rejects: " + parked);
        assertEquals(2, metric(0, "RecordsParked"));
    }

    @Test
    void aDeletedLogIsNeverBroughtBackAndLateFeedbackIsMergedWhenTheLogArrives() throws Exception {
        List<String> lines = SampleEvents.records(false);
        RequestLog first = ((RecordFormat.LogRecord) RecordFormat.parse(lines.get(0))).log();
        // feedback before the log arrives: held, then merged by the ingest (the sample logs are from the past, so
        // a fresh log id stands in for one on its way)
        RequestLog fresh = SampleEvents.log(0, Map.of());
        fresh = new RequestLog(new io.aigateway.log.LogIds().next(System.currentTimeMillis()), System.currentTimeMillis(),
                "sample", "openai", "gpt-4o-mini", "POST", "/x", 200, true, false, false, 1, 1, 1, 1L, 1L, Map.of(), null,
                null, 1, 1, null, null, 1, null, "ok", null, List.of(), null, null, null, false, null, null,
                SampleEvents.EXPIRES);
        assertEquals(LogStore.PatchOutcome.PENDING, logs.patch("sample", fresh.id(), 1, 0.5, null));
        Ingest ingest = new Ingest(dynamo, table, logs, rollups, new IngestStats());
        ingest.apply("fresh-1", List.of(RecordFormat.logLine(fresh)));
        RequestLog merged = logs.get("sample", fresh.id()).orElseThrow();
        assertEquals(1, merged.feedback());
        assertEquals(0.5, merged.score());
        // a re-delivered record (another batch id, as after the marker expired) does not overwrite the feedback
        ingest.apply("fresh-2", List.of(RecordFormat.logLine(fresh)));
        assertEquals(1, logs.get("sample", fresh.id()).orElseThrow().feedback());

        ingest.apply("a", lines);
        assertTrue(logs.get("sample", first.id()).isPresent());
        logs.delete(new LogQuery("sample", 100, null, 0, SampleEvents.CREATED + 86_400_000L, null, null, null, null), 100);
        assertTrue(stored().isEmpty());
        ingest.apply("b", lines); // the same records again under another id
        assertTrue(logs.get("sample", first.id()).isEmpty(), "deleted stays deleted");
        assertTrue(stored().isEmpty());
    }

    @Test
    void controlMessagesAndForeignLinesAreIgnored() {
        Ingest ingest = new Ingest(dynamo, table, logs, rollups, new IngestStats());
        Ingest.Result r = ingest.apply("x", new ArrayList<>(List.of("START RequestId: 1 Version: 1",
                "{\"_aws\":{\"CloudWatchMetrics\":[]},\"Requests\":1}", "REPORT RequestId: 1 Duration: 2 ms")));
        assertEquals(0, r.records());
        assertEquals(Set.of(), Set.copyOf(stored()));
    }

    /** Fails the first call of one operation, as a dropped connection would: not a mock of DynamoDB. */
    static final class FailOnce implements ExecutionInterceptor {
        volatile String operation;
        final AtomicInteger failed = new AtomicInteger();

        @Override
        public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
            if (operation != null && operation.equals(attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME))
                    && failed.getAndIncrement() == 0) {
                throw SdkClientException.create("injected: connection reset");
            }
        }
    }
}

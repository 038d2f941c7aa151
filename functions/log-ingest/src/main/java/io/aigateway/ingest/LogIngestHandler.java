package io.aigateway.ingest;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.CloudWatchLogsEvent;
import io.aigateway.analytics.Rollups;
import io.aigateway.budget.AlertPublisher;
import io.aigateway.log.LogStore;
import io.aigateway.metrics.EmfEnvironment;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.cloudwatchlogs.emf.logger.MetricsLogger;
import software.amazon.cloudwatchlogs.emf.model.DimensionSet;
import software.amazon.cloudwatchlogs.emf.model.Unit;
import software.amazon.cloudwatchlogs.emf.sinks.ConsoleSink;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executors;

/**
 * The log-ingest function: a CloudWatch Logs subscription on the gateway's log group delivers the record lines
 * (the filter pattern selects only them), and they are stored with {@link Ingest}. A failure throws, so Lambda
 * retries the delivery (asynchronous invocation) and finally sends it to the on-failure queue: nothing is dropped.
 * <p>
 * Each invocation prints one EMF document (namespace AIGateway, no dimensions): {@code RecordsIngested},
 * {@code RecordsParked}, {@code IngestDuplicates}.
 */
public final class LogIngestHandler implements RequestHandler<CloudWatchLogsEvent, String> {
    public static final String RECORDS_INGESTED = "RecordsIngested";
    public static final String RECORDS_PARKED = "RecordsParked";
    public static final String INGEST_DUPLICATES = "IngestDuplicates";

    private final Ingest ingest;
    private final EmfEnvironment metrics;

    /** Lambda's entry point: the client and the ingest are built once per execution environment. */
    public LogIngestHandler() {
        this(fromEnvironment(System.getenv()), new EmfEnvironment(new ConsoleSink()));
    }

    public LogIngestHandler(Ingest ingest, EmfEnvironment metrics) {
        this.ingest = ingest;
        this.metrics = metrics;
    }

    /** GATEWAY_SPEND_ALERTS_TOPIC_ARN: the SNS topic spend alerts go to; unset or empty: no alerts. */
    public static final String ALERTS_TOPIC_VARIABLE = "GATEWAY_SPEND_ALERTS_TOPIC_ARN";

    static Ingest fromEnvironment(Map<String, String> env) {
        String region = env.getOrDefault("AWS_REGION", "us-east-1");
        Apache5HttpClient.Builder http = Apache5HttpClient.builder().maxConnections(64)
                .connectionTimeout(Duration.ofSeconds(2)).socketTimeout(Duration.ofSeconds(10));
        DynamoDbClient dynamo = DynamoDbClient.builder()
                .region(Region.of(region))
                .httpClient(http.build())
                .build();
        String table = env.getOrDefault("GATEWAY_TABLE", "ai-gateway");
        boolean analytics = !"off".equalsIgnoreCase(env.getOrDefault("GATEWAY_ANALYTICS", "on"));
        String topic = env.getOrDefault(ALERTS_TOPIC_VARIABLE, "");
        AlertPublisher alerts = topic.isBlank() ? AlertPublisher.NONE : new SnsAlertPublisher(
                SnsClient.builder().region(Region.of(region)).httpClient(http.build()).build(), topic);
        return new Ingest(dynamo, table, new LogStore(dynamo, table, Executors.newVirtualThreadPerTaskExecutor()),
                analytics ? new Rollups(dynamo, table) : null, new IngestStats(), alerts);
    }

    @Override
    public String handleRequest(CloudWatchLogsEvent event, Context context) {
        if (event == null || event.getAwsLogs() == null || event.getAwsLogs().getData() == null) {
            throw new IllegalArgumentException("not a CloudWatch Logs subscription event (no awslogs.data)");
        }
        SubscriptionPayload payload = SubscriptionPayload.decode(event.getAwsLogs().getData());
        if (payload.isControlMessage()) {
            return "control message";
        }
        Ingest.Result result = ingest.apply(payload.batchId(), payload.messages());
        MetricsLogger m = new MetricsLogger(metrics);
        m.setNamespace("AIGateway");
        m.setDimensions(new DimensionSet()); // one empty set: "Dimensions":[[]], no dimensions
        m.putMetric(RECORDS_INGESTED, result.logsStored(), Unit.COUNT);
        m.putMetric(RECORDS_PARKED, result.parked(), Unit.COUNT);
        m.putMetric(INGEST_DUPLICATES, result.duplicates(), Unit.COUNT);
        m.putProperty("batchId", payload.batchId());
        m.putProperty("logStream", payload.logStream());
        m.flush();
        return payload.batchId() + ": " + result;
    }
}

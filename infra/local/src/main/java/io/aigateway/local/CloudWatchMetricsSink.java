package io.aigateway.local;

import com.fasterxml.jackson.databind.JsonNode;
import io.aigateway.core.Json;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.cloudwatchlogs.emf.model.MetricsContext;
import software.amazon.cloudwatchlogs.emf.sinks.ISink;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Local parity for the dashboard (`--cloudwatch`): turns each EMF document into the metric data CloudWatch would
 * extract from it (every metric under every dimension set) and publishes them with PutMetricData every few
 * seconds. Lambda never uses this: there, EMF on stdout needs no API call.
 * <p>
 * The request uses CloudWatch's query protocol, signed with the SDK's SigV4 signer and sent with the SDK's HTTP
 * client: current SDKs speak CBOR to CloudWatch, which moto and some emulators do not understand, while every
 * CloudWatch endpoint still accepts the query protocol. The endpoint is AWS_ENDPOINT_URL_CLOUDWATCH, else
 * AWS_ENDPOINT_URL, else the region's public endpoint.
 */
public final class CloudWatchMetricsSink implements ISink, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CloudWatchMetricsSink.class);
    private static final int MAX_PER_CALL = 500;

    private final SdkHttpClient http;
    private final AwsCredentialsProvider credentials;
    private final URI endpoint;
    private final String region;
    private final List<Datum> pending = new ArrayList<>();
    private final ScheduledExecutorService flusher;

    /** One metric value under one dimension set, as CloudWatch stores it. */
    record Datum(String namespace, String name, List<String[]> dimensions, double value, String unit, Instant time) {
    }

    public CloudWatchMetricsSink(SdkHttpClient http, AwsCredentialsProvider credentials, URI endpoint, String region,
                                 long flushMillis) {
        this.http = http;
        this.credentials = credentials;
        this.endpoint = endpoint;
        this.region = region;
        this.flusher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "cloudwatch-metrics");
            t.setDaemon(true);
            return t;
        });
        flusher.scheduleWithFixedDelay(this::flush, flushMillis, flushMillis, TimeUnit.MILLISECONDS);
    }

    public static URI endpointFromEnv(String region) {
        String url = System.getenv("AWS_ENDPOINT_URL_CLOUDWATCH");
        if (url == null || url.isBlank()) {
            url = System.getenv("AWS_ENDPOINT_URL");
        }
        return URI.create(url == null || url.isBlank() ? "https://monitoring." + region + ".amazonaws.com" : url);
    }

    @Override
    public void accept(MetricsContext context) {
        try {
            for (String doc : context.serialize()) {
                List<Datum> data = toData(Json.MAPPER.readTree(doc));
                synchronized (pending) {
                    pending.addAll(data);
                }
            }
        } catch (Exception e) {
            LOG.warn("metrics document not queued for CloudWatch: {}", e.getClass().getSimpleName());
        }
    }

    /** The data CloudWatch extracts from one EMF document. */
    static List<Datum> toData(JsonNode doc) {
        List<Datum> data = new ArrayList<>();
        JsonNode aws = doc.path("_aws");
        Instant time = aws.has("Timestamp") ? Instant.ofEpochMilli(aws.get("Timestamp").asLong()) : Instant.now();
        for (JsonNode directive : aws.path("CloudWatchMetrics")) {
            String namespace = directive.path("Namespace").asText();
            for (JsonNode dimensionSet : directive.path("Dimensions")) {
                List<String[]> dims = new ArrayList<>();
                for (JsonNode name : dimensionSet) {
                    dims.add(new String[]{name.asText(), doc.path(name.asText()).asText()});
                }
                for (JsonNode metric : directive.path("Metrics")) {
                    String name = metric.path("Name").asText();
                    JsonNode value = doc.get(name);
                    if (value != null && value.isNumber()) {
                        data.add(new Datum(namespace, name, dims, value.asDouble(), metric.path("Unit").asText("None"), time));
                    }
                }
            }
        }
        return data;
    }

    /** Sends what is queued (also on close). */
    public void flush() {
        List<Datum> batch;
        synchronized (pending) {
            batch = new ArrayList<>(pending);
            pending.clear();
        }
        for (int i = 0; i < batch.size(); i += MAX_PER_CALL) {
            List<Datum> chunk = batch.subList(i, Math.min(batch.size(), i + MAX_PER_CALL));
            try {
                put(chunk);
            } catch (Exception e) {
                LOG.warn("{} metric data not published: {}", chunk.size(), e.getMessage());
            }
        }
    }

    private void put(List<Datum> data) throws Exception {
        StringBuilder form = new StringBuilder("Action=PutMetricData&Version=2010-08-01&Namespace=")
                .append(enc(data.get(0).namespace()));
        for (int i = 0; i < data.size(); i++) {
            Datum d = data.get(i);
            String p = "&MetricData.member." + (i + 1) + ".";
            form.append(p).append("MetricName=").append(enc(d.name()))
                    .append(p).append("Value=").append(d.value())
                    .append(p).append("Unit=").append(enc(d.unit()))
                    .append(p).append("Timestamp=").append(enc(d.time().toString()));
            for (int j = 0; j < d.dimensions().size(); j++) {
                String q = p + "Dimensions.member." + (j + 1) + ".";
                form.append(q).append("Name=").append(enc(d.dimensions().get(j)[0]))
                        .append(q).append("Value=").append(enc(d.dimensions().get(j)[1]));
            }
        }
        byte[] body = form.toString().getBytes(StandardCharsets.UTF_8);
        SdkHttpFullRequest request = SdkHttpFullRequest.builder().method(SdkHttpMethod.POST).uri(endpoint)
                .putHeader("Content-Type", "application/x-www-form-urlencoded; charset=utf-8").build();
        SignedRequest signed = AwsV4HttpSigner.create().sign(r -> r
                .identity(credentials.resolveCredentials())
                .request(request)
                .payload(ContentStreamProvider.fromByteArray(body))
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "monitoring")
                .putProperty(AwsV4HttpSigner.REGION_NAME, region));
        HttpExecuteResponse response = http.prepareRequest(HttpExecuteRequest.builder()
                .request(signed.request()).contentStreamProvider(signed.payload().orElse(null)).build()).call();
        try (var in = response.responseBody().orElse(null)) {
            if (!response.httpResponse().isSuccessful()) {
                String detail = in == null ? "" : new String(in.readNBytes(300), StandardCharsets.UTF_8);
                throw new IllegalStateException("PutMetricData answered " + response.httpResponse().statusCode()
                        + ": " + detail);
            }
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    @Override
    public CompletableFuture<Void> shutdown() {
        close();
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public void close() {
        flusher.shutdownNow();
        flush();
    }
}

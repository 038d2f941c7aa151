package io.aigateway.local;

import io.aigateway.testing.MotoServer;
import io.aigateway.cost.Charge;
import io.aigateway.pipeline.RequestContext;
import io.aigateway.core.GatewayRequest;
import io.aigateway.core.Headers;
import io.aigateway.core.RequestOptions;
import io.aigateway.metrics.MetricName;
import io.aigateway.metrics.RequestMetrics;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The local runtime's --cloudwatch publishing, against moto_server (CloudWatch's API on loopback). */
class CloudWatchMetricsSinkTest {
    private static MotoServer moto;
    private static URI endpoint;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void startMoto() throws Exception {
        moto = MotoServer.start();
        endpoint = moto.endpoint().resolve("/");
    }

    @AfterAll
    static void stopMoto() {
        if (moto != null) {
            moto.close();
        }
    }

    /** Reads back through CloudWatch's query API (what the console and GetMetricData users see). */
    private static String query(String params) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(endpoint)
                .header("content-type", "application/x-www-form-urlencoded")
                // moto routes a request to a service by the credential scope of its signature
                .header("authorization", "AWS4-HMAC-SHA256 Credential=x/20260101/us-east-1/monitoring/aws4_request, "
                        + "SignedHeaders=host, Signature=0")
                .POST(HttpRequest.BodyPublishers.ofString("Version=2010-08-01&" + params)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    private static RequestContext served(String gateway, String model) {
        RequestContext ex = new RequestContext(GatewayRequest.of("POST", "/v1/a/" + gateway + "/openai/chat/completions",
                "", Headers.empty(), new byte[0], "127.0.0.1"), "01JADMCQQQBWH3NXZ5GCRN98DP");
        ex.addressedTo("a", gateway);
        // a configured gateway (stored settings): only those get series of their own (MetricDimensions)
        ex.configure(io.aigateway.config.GatewaySettings.defaults(gateway, java.util.Map.of())
                .merge(io.aigateway.core.Json.MAPPER.createObjectNode(), 1), RequestOptions.parse(Headers.empty()), null);
        ex.providerNamed("openai");
        ex.answer().status(200);
        ex.usage().offerModel(model);
        ex.usage().offerIn(12);
        ex.usage().offerOut(3);
        ex.finish();
        return ex;
    }

    private static final Charge COST = new Charge(0.000004, null, false);

    @Test
    void publishesEveryMetricUnderEveryDimensionSetTheDashboardReads() throws Exception {
        try (Apache5HttpClient http = (Apache5HttpClient) Apache5HttpClient.create();
             CloudWatchMetricsSink sink = new CloudWatchMetricsSink(http,
                     StaticCredentialsProvider.create(AwsBasicCredentials.create("x", "x")), endpoint, "us-east-1", 60_000)) {
            RequestMetrics metrics = new RequestMetrics(sink, true);
            metrics.line(served("cw", "gpt-4o-mini"), COST, null);
            metrics.line(served("cw", "gpt-4o-mini"), COST, null);
            sink.flush();
        }
        String listed = query("Action=ListMetrics&Namespace=" + MetricName.NAMESPACE);
        for (String expected : List.of("Requests", "Errors", "Latency", "TimeToFirstByte", "TokensIn", "TokensOut", "Cost")) {
            assertTrue(listed.contains("<MetricName>" + expected + "</MetricName>"), expected + " published: " + listed);
        }
        Set<List<String>> dimensionSets = new HashSet<>();
        Matcher member = Pattern.compile("<Dimensions>(.*?)</Dimensions>", Pattern.DOTALL).matcher(listed);
        while (member.find()) {
            Matcher names = Pattern.compile("<Name>(.*?)</Name>").matcher(member.group(1));
            List<String> set = new java.util.ArrayList<>();
            while (names.find()) {
                set.add(names.group(1));
            }
            dimensionSets.add(set);
        }
        assertEquals(new HashSet<>(MetricName.DIMENSION_SETS), dimensionSets);

        String stats = query("Action=GetMetricStatistics&Namespace=AIGateway&MetricName=Requests"
                + "&Dimensions.member.1.Name=Gateway&Dimensions.member.1.Value=cw"
                + "&Dimensions.member.2.Name=Provider&Dimensions.member.2.Value=openai"
                + "&Dimensions.member.3.Name=Model&Dimensions.member.3.Value=gpt-4o-mini&Period=60&Statistics.member.1=Sum"
                + "&StartTime=" + URLEncoder.encode(Instant.now().minusSeconds(600).toString(), StandardCharsets.UTF_8)
                + "&EndTime=" + URLEncoder.encode(Instant.now().plusSeconds(60).toString(), StandardCharsets.UTF_8));
        Matcher sums = Pattern.compile("<Sum>([0-9.]+)</Sum>").matcher(stats);
        double total = 0;
        while (sums.find()) {
            total += Double.parseDouble(sums.group(1));
        }
        assertEquals(2.0, total, "two requests on the [Gateway, Provider, Model] dimension set: " + stats);
    }
}

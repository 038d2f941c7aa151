package io.aigateway.log;

import io.aigateway.bench.Fixtures;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One request's log record encoded as the DynamoDB item ({@code LogStore.toItem}) and as the admin API's JSON
 * ({@code LogJson.toJson(...).toString()}). This class sits in {@code io.aigateway.log} to reach package-private
 * members. The record is built by component name through its canonical constructor (components this class does not
 * know get null, 0, false or an empty collection), so the benchmark survives new {@link RequestLog} fields.
 * Realistic content: a successful OpenAI chat completion, request and response heads at the 4 KB default
 * (GATEWAY_LOG_BODY_BYTES) so the whole ~1 KB request and ~1.5 KB response are in it, two metadata entries.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class LogEncodingBenchmark {
    private RequestLog log;
    private String day = "20250114";

    @Setup
    public void setup() throws Exception {
        long created = 1_736_870_400_123L;
        Map<String, Object> v = new HashMap<>();
        v.put("id", Fixtures.LOG_ID);
        v.put("createdAt", created);
        v.put("gateway", "default");
        v.put("provider", "openai");
        v.put("model", "gpt-4o-mini");
        v.put("method", "POST");
        v.put("path", Fixtures.OPENAI_PATH);
        v.put("statusCode", 200);
        v.put("success", true);
        v.put("cached", false);
        v.put("stream", false);
        v.put("duration", 1200L);
        v.put("timeToFirstByte", 350L);
        v.put("upstreamDuration", 1198L);
        v.put("tokensIn", 187L);
        v.put("tokensOut", 152L);
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("team", "search");
        metadata.put("user", "u-42");
        v.put("metadata", metadata);
        v.put("userAgent", "OpenAI/Python 1.59.7");
        byte[] request = Fixtures.bytes("chat-request.json");
        byte[] response = Fixtures.bytes("chat-response.json");
        v.put("requestSize", (long) request.length);
        v.put("responseSize", (long) response.length);
        v.put("requestHead", new String(request, StandardCharsets.UTF_8));
        v.put("responseHead", new String(response, StandardCharsets.UTF_8));
        v.put("attempts", 1);
        v.put("outcome", "ok");
        v.put("failedSteps", List.of());
        v.put("cost", 0.00011925);
        v.put("costEstimated", false);
        v.put("expiresAt", created / 1000 + 30 * 86_400L);
        log = record(v);
        Fixtures.check(LogStore.toItem(log, day).size() > 25, "item attributes");
        Fixtures.check(LogJson.toJson(log).toString().contains("\"tokens_in\":187"), "json");
    }

    private static RequestLog record(Map<String, Object> values) throws Exception {
        RecordComponent[] components = RequestLog.class.getRecordComponents();
        Class<?>[] types = new Class<?>[components.length];
        Object[] args = new Object[components.length];
        for (int i = 0; i < components.length; i++) {
            Class<?> t = components[i].getType();
            types[i] = t;
            Object value = values.get(components[i].getName());
            if (value == null) {
                value = t == long.class ? 0L : t == int.class ? 0 : t == boolean.class ? false
                        : t == double.class ? 0.0 : t == List.class ? List.of() : t == Map.class ? Map.of() : null;
            }
            args[i] = value;
        }
        return RequestLog.class.getDeclaredConstructor(types).newInstance(args);
    }

    @Benchmark
    public Map<String, AttributeValue> toItem() {
        return LogStore.toItem(log, day);
    }

    @Benchmark
    public String toJson() {
        return LogJson.toJson(log).toString();
    }
}

package io.aigateway.bench;

import io.aigateway.provider.RequestBodyInfo;
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

import java.util.concurrent.TimeUnit;

/** Streaming read of a ~1 KB chat completion request for its top-level model and stream flag. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class RequestInspectBenchmark {
    private byte[] body;

    @Setup
    public void setup() {
        body = Fixtures.bytes("chat-request.json");
        RequestBodyInfo info = RequestBodyInfo.inspect(body);
        Fixtures.check("gpt-4o-mini".equals(info.model()) && !info.stream(), "model and stream read");
    }

    @Benchmark
    public RequestBodyInfo chatRequest1KB() {
        return RequestBodyInfo.inspect(body);
    }
}

package io.aigateway.bench;

import io.aigateway.provider.ProxyRoute;
import io.aigateway.provider.RouteParser;
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

/** Gateway path to upstream URL: split, validate, registry lookup, template fill, URI build and traversal checks. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class RouteParsingBenchmark {
    private RouteParser parser;
    // non-final fields: JMH must not constant-fold the inputs
    private String openaiPath = Fixtures.OPENAI_PATH;
    private String bedrockPath = Fixtures.BEDROCK_PATH;
    private String query = "";

    @Setup
    public void setup() {
        parser = Fixtures.routeParser();
        Fixtures.check(openai().upstreamUri().toString().equals("https://api.openai.com/v1/chat/completions"),
                "openai route");
        Fixtures.check(bedrock().upstreamUri().toString().equals("https://bedrock-runtime.us-east-1.amazonaws.com"
                + "/model/anthropic.claude-3-5-sonnet-20240620-v1:0/invoke"), "bedrock route");
    }

    /** Fixed base URL (most providers). */
    @Benchmark
    public ProxyRoute openai() {
        return parser.parse(parser.splitGatewayPath(openaiPath), query);
    }

    /** Templated base URL: host pattern with named groups, filled into https://{service}.{region}.amazonaws.com. */
    @Benchmark
    public ProxyRoute bedrock() {
        return parser.parse(parser.splitGatewayPath(bedrockPath), query);
    }
}

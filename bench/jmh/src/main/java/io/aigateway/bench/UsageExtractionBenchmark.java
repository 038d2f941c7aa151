package io.aigateway.bench;

import io.aigateway.provider.Usage;
import io.aigateway.provider.UsageTap;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * Token usage read from a response as the upstream step feeds it: the tap is created per response, fed the body in
 * {@code pieceSize} reads (the proxy's read buffer is 8 KB), finished, and its usage read.
 * <ul>
 *   <li>openaiJson: ~1.5 KB OpenAI chat completion, buffered and parsed at the end</li>
 *   <li>openaiSse: ~7 KB OpenAI stream, 22 chunk events + usage chunk + [DONE]</li>
 *   <li>anthropicSse: ~3 KB Anthropic stream (message_start ... message_stop, 20 text deltas)</li>
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class UsageExtractionBenchmark {
    /** Bytes per accept() call; 8192 matches ProxiedBody's read buffer. Try -p pieceSize=256 for small reads. */
    @Param("8192")
    public int pieceSize;

    private byte[] openaiJson;
    private byte[] openaiSse;
    private byte[] anthropicSse;

    @Setup
    public void setup() {
        openaiJson = Fixtures.bytes("chat-response.json");
        openaiSse = Fixtures.bytes("openai-stream.sse");
        anthropicSse = Fixtures.bytes("anthropic-stream.sse");
        Usage u = openaiJson();
        Fixtures.check(u.tokensIn() == 187 && u.tokensOut() == 152, "openai json usage");
        u = openaiSse();
        Fixtures.check(u.tokensIn() == 187 && u.tokensOut() == 21, "openai sse usage");
        u = anthropicSse();
        Fixtures.check(u.tokensIn() == 187 && u.tokensOut() == 21, "anthropic sse usage");
    }

    @Benchmark
    public Usage openaiJson() {
        return run(UsageTap.forContentType("application/json", 1 << 20), openaiJson);
    }

    @Benchmark
    public Usage openaiSse() {
        return run(UsageTap.forContentType("text/event-stream", 0), openaiSse);
    }

    @Benchmark
    public Usage anthropicSse() {
        return run(UsageTap.forContentType("text/event-stream", 0), anthropicSse);
    }

    private Usage run(UsageTap tap, byte[] body) {
        for (int off = 0; off < body.length; off += pieceSize) {
            tap.accept(body, off, Math.min(pieceSize, body.length - off));
        }
        tap.finish();
        return tap.usage();
    }
}

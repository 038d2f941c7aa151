package io.aigateway.bench;

import io.aigateway.cache.CacheKey;
import io.aigateway.pipeline.ProxyRequest;
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

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;

/**
 * The cache key of a proxied request: the gateway's own {@link CacheKey#of(String, ProxyRequest)} (provider, method, upstream
 * URL, path, query, model, SHA-256 of the auth headers, vary headers, stream flag, ~1 KB body), against the floor:
 * one reused SHA-256 digest over the same bytes, already concatenated, plus the hex encoding.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class CacheKeyBenchmark {
    private ProxyRequest request;
    private byte[] keyInput;
    private MessageDigest digest;

    @Setup
    public void setup() throws Exception {
        request = Fixtures.proxyRequest(Fixtures.routeParser());
        digest = MessageDigest.getInstance("SHA-256");
        ByteArrayOutputStream in = new ByteArrayOutputStream();
        for (String field : new String[] {"openai", "POST", request.route().upstreamUri().toString(),
                request.route().restPath(), "", request.model()}) {
            in.write(field.getBytes(StandardCharsets.UTF_8));
        }
        in.write(MessageDigest.getInstance("SHA-256").digest(Fixtures.AUTHORIZATION.getBytes(StandardCharsets.UTF_8)));
        in.write(request.http().body());
        keyInput = in.toByteArray();
        Fixtures.check(CacheKey.of("gw", request).hex().equals(CacheKey.of("gw", request).hex()), "stable key");
        Fixtures.check(CacheKey.of("gw", request).hex().length() == 64, "sha-256 hex");
    }

    @Benchmark
    public CacheKey cacheKeyOf() {
        return CacheKey.of("gw", request);
    }

    /** Lower bound: SHA-256 of the same ~1.1 KB with a digest reused across calls, then hex. */
    @Benchmark
    public String sha256Floor() {
        digest.reset();
        return HexFormat.of().formatHex(digest.digest(keyInput));
    }
}

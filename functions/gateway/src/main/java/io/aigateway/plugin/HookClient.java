package io.aigateway.plugin;

import com.fasterxml.jackson.databind.JsonNode;
import io.aigateway.core.Json;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.pool.PoolConcurrencyPolicy;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Calls HTTP hooks: Apache HttpClient 5 (classic, as the upstream client) on a small pool of its own, so a slow hook
 * can never take connections from providers. Each call runs on a virtual thread and is bounded by the hook's
 * {@code timeout_ms} as a whole (connect, send, answer): when the time is up the caller gets a timeout at once and
 * the exchange is cancelled behind it. No retries, redirects or cookies.
 */
public final class HookClient implements AutoCloseable {
    /** A modify hook returns a whole body; anything larger is refused as a bad answer. */
    public static final int MAX_ANSWER_BYTES = 8 * 1024 * 1024;
    public static final int DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

    private final PoolingHttpClientConnectionManager pool;
    private final CloseableHttpClient client;
    private final ExecutorService executor;
    private final HookPayload payload;

    public HookClient() {
        this(DEFAULT_MAX_BODY_BYTES);
    }

    /** @param maxBodyBytes bodies larger than this are not sent to hooks ({@code body_omitted: too_large}) */
    public HookClient(int maxBodyBytes) {
        this.pool = PoolingHttpClientConnectionManagerBuilder.create()
                .setPoolConcurrencyPolicy(PoolConcurrencyPolicy.LAX)
                .setMaxConnTotal(128)
                .setMaxConnPerRoute(32)
                .setDefaultConnectionConfig(ConnectionConfig.custom()
                        // the per-call deadline is what bounds a call; these only stop abandoned attempts
                        .setConnectTimeout(Timeout.ofMilliseconds(HookSettings.MAX_TIMEOUT_MS))
                        .setSocketTimeout(Timeout.ofMilliseconds(HookSettings.MAX_TIMEOUT_MS))
                        .setValidateAfterInactivity(TimeValue.ofSeconds(2))
                        .setTimeToLive(TimeValue.ofMinutes(5))
                        .build())
                .build();
        this.client = HttpClients.custom()
                .setConnectionManager(pool)
                .disableAutomaticRetries()
                .disableRedirectHandling()
                .disableContentCompression()
                .disableCookieManagement()
                .disableAuthCaching()
                .evictIdleConnections(TimeValue.ofSeconds(30))
                .build();
        this.executor = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("hook-", 0).factory());
        this.payload = new HookPayload(maxBodyBytes);
    }

    CompletableFuture<HookAnswer> request(HookSettings hook, PluginRequest request) {
        return send(hook, payload.request(hook.id(), request));
    }

    CompletableFuture<HookAnswer> response(HookSettings hook, PluginResponse response) {
        return send(hook, payload.response(hook.id(), response));
    }

    /** Never completes exceptionally: every failure is a {@link HookAnswer.Failed}. */
    CompletableFuture<HookAnswer> send(HookSettings hook, byte[] json) {
        HttpPost post = new HttpPost(hook.url());
        post.setConfig(RequestConfig.custom()
                .setConnectionRequestTimeout(Timeout.ofMilliseconds(hook.timeoutMs()))
                .setResponseTimeout(Timeout.ofMilliseconds(hook.timeoutMs()))
                .build());
        hook.headers().forEach(post::addHeader);
        post.setHeader("accept", "application/json");
        post.setHeader("user-agent", "aigateway-hook");
        post.setEntity(new ByteArrayEntity(json, ContentType.APPLICATION_JSON));
        CompletableFuture<HookAnswer> call;
        try {
            call = CompletableFuture.supplyAsync(() -> execute(hook, post), executor);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            return CompletableFuture.completedFuture(new HookAnswer.Failed("client closed"));
        }
        HookAnswer.Failed timeout = new HookAnswer.Failed("timeout after " + hook.timeoutMs() + " ms");
        return call.completeOnTimeout(timeout, hook.timeoutMs(), TimeUnit.MILLISECONDS)
                .exceptionally(e -> new HookAnswer.Failed("error: " + e.getClass().getSimpleName()))
                .whenComplete((answer, e) -> {
                    if (answer == timeout) {
                        post.cancel(); // frees the connection and the virtual thread behind the answer we gave up on
                    }
                });
    }

    private HookAnswer execute(HookSettings hook, HttpPost post) {
        try (ClassicHttpResponse response = client.executeOpen(null, post, null)) {
            int status = response.getCode();
            HttpEntity entity = response.getEntity();
            byte[] body = entity == null ? new byte[0] : readBounded(entity.getContent());
            if (status < 200 || status > 299) {
                return new HookAnswer.Failed("status " + status);
            }
            if (body == null) {
                return new HookAnswer.Failed("answer larger than " + MAX_ANSWER_BYTES + " bytes");
            }
            return parse(hook, body);
        } catch (java.io.InterruptedIOException e) {
            // socket or connect timeout: the same limit as the deadline, whichever notices first
            return new HookAnswer.Failed("timeout after " + hook.timeoutMs() + " ms");
        } catch (IOException | RuntimeException e) {
            return new HookAnswer.Failed("unreachable: " + e.getClass().getSimpleName());
        }
    }

    /** {@code {"action": "allow" | "block" | "modify", "message"?, "body"?, "annotations"?}}; anything else fails. */
    static HookAnswer parse(HookSettings hook, byte[] body) {
        JsonNode answer;
        try {
            answer = Json.MAPPER.readTree(body);
        } catch (IOException e) {
            return new HookAnswer.Failed("answer is not JSON");
        }
        if (answer == null || !answer.isObject() || !answer.path("action").isTextual()) {
            return new HookAnswer.Failed("answer has no \"action\"");
        }
        Map<String, String> annotations;
        try {
            annotations = annotations(answer.get("annotations"));
        } catch (IllegalArgumentException e) {
            return new HookAnswer.Failed("bad annotations: " + e.getMessage());
        }
        return switch (answer.get("action").asText()) {
            case "allow" -> new HookAnswer.Allow(annotations);
            case "block" -> new HookAnswer.Block(answer.path("message").isTextual()
                    ? Annotations.value(answer.get("message").asText()) : "", annotations);
            case "modify" -> {
                if (hook.mode() != HookMode.MODIFY) {
                    yield new HookAnswer.Failed("a check hook answered modify");
                }
                JsonNode newBody = answer.get("body");
                yield newBody == null || newBody.isNull() || !(newBody.isObject() || newBody.isArray())
                        ? new HookAnswer.Failed("modify answer has no JSON object or array \"body\"")
                        : new HookAnswer.Modify(newBody, annotations);
            }
            default -> new HookAnswer.Failed("unknown action");
        };
    }

    private static Map<String, String> annotations(JsonNode node) {
        if (node == null || node.isNull()) {
            return Map.of();
        }
        if (!node.isObject()) {
            throw new IllegalArgumentException("not an object");
        }
        Map<String, String> out = new LinkedHashMap<>();
        node.properties().forEach(e -> out.put(e.getKey(), e.getValue().isTextual() ? e.getValue().asText()
                : e.getValue().toString()));
        return Annotations.checked(out);
    }

    /** The whole stream, or null when it is longer than {@link #MAX_ANSWER_BYTES}. */
    private static byte[] readBounded(InputStream in) throws IOException {
        byte[] bytes = in.readNBytes(MAX_ANSWER_BYTES + 1);
        return bytes.length > MAX_ANSWER_BYTES ? null : bytes;
    }

    @Override
    public void close() {
        executor.shutdownNow();
        try {
            client.close();
        } catch (IOException ignored) {
            // closing: nothing left to do with the pool
        }
        pool.close();
    }
}

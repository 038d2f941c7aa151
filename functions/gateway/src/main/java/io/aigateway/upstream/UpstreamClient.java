package io.aigateway.upstream;

import io.aigateway.core.ErrorCode;
import io.aigateway.core.GatewayException;
import io.aigateway.core.Headers;
import org.apache.hc.client5.http.classic.methods.HttpUriRequestBase;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.pool.PoolConcurrencyPolicy;
import org.apache.hc.core5.pool.PoolReusePolicy;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Apache HttpClient 5 (classic, blocking: callers run on virtual threads) with one pooled, reused connection set
 * for every provider. No automatic retries, redirects, decompression or cookies: the gateway forwards exactly what
 * it gets. The first-byte timeout cancels the exchange when response headers have not arrived in time; after
 * that only the (long) stream idle timeout applies, so a slow stream is never cut once it has started.
 */
public final class UpstreamClient implements AutoCloseable {
    private final PoolingHttpClientConnectionManager pool;
    private final CloseableHttpClient client;
    private final ScheduledExecutorService timer;

    public UpstreamClient(Duration connectTimeout, Duration streamIdleTimeout) {
        this.pool = PoolingHttpClientConnectionManagerBuilder.create()
                .setPoolConcurrencyPolicy(PoolConcurrencyPolicy.LAX)
                .setConnPoolPolicy(PoolReusePolicy.LIFO)
                .setMaxConnTotal(2048)
                .setMaxConnPerRoute(1024)
                .setDefaultConnectionConfig(ConnectionConfig.custom()
                        .setConnectTimeout(Timeout.of(connectTimeout))
                        .setSocketTimeout(Timeout.of(streamIdleTimeout))
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
                .setDefaultRequestConfig(RequestConfig.custom()
                        .setResponseTimeout(Timeout.of(streamIdleTimeout))
                        .build())
                .build();
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "upstream-first-byte-timer");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Sends a request and returns as soon as the response headers arrive.
     *
     * @throws GatewayException 504 when no response started within {@code firstByteTimeout}, 502 when the
     *                          provider could not be reached or dropped the connection
     */
    public UpstreamResponse send(String method, URI uri, Headers headers, byte[] body, Duration firstByteTimeout) {
        return send(method, uri, headers, body, firstByteTimeout, Cancellation.NONE);
    }

    /**
     * As {@link #send(String, URI, Headers, byte[], Duration)}, and cancellable until the response headers arrive:
     * the call registers its cancel action with {@code cancellation} (the client's departure, see
     * {@code RequestContext.onClientLeaving}) and unregisters it once the headers are in or the call failed.
     *
     * @throws GatewayException 502 also when the call was cancelled that way
     */
    public UpstreamResponse send(String method, URI uri, Headers headers, byte[] body, Duration firstByteTimeout,
                                 Cancellation cancellation) {
        HttpUriRequestBase request = new HttpUriRequestBase(method, uri);
        headers.forEach(request::addHeader);
        if (body.length > 0 || requiresBody(method)) {
            request.setEntity(new ByteArrayEntity(body, null));
        }
        AtomicBoolean timedOut = new AtomicBoolean();
        ScheduledFuture<?> deadline = timer.schedule(() -> {
            timedOut.set(true);
            request.cancel();
        }, firstByteTimeout.toMillis(), TimeUnit.MILLISECONDS);
        AtomicBoolean cancelled = new AtomicBoolean();
        Runnable unregister = cancellation.register(() -> {
            cancelled.set(true);
            request.cancel();
        });
        ClassicHttpResponse response;
        try {
            response = client.executeOpen(null, request, null);
        } catch (IOException | RuntimeException e) {
            deadline.cancel(false);
            unregister.run();
            if (cancelled.get()) {
                throw cancelled();
            }
            if (timedOut.get()) {
                throw timeout(firstByteTimeout);
            }
            throw new GatewayException(ErrorCode.UPSTREAM_UNREACHABLE,
                    "The provider could not be reached (" + e.getClass().getSimpleName() + "). Try again later.");
        }
        deadline.cancel(false);
        unregister.run();
        if (cancelled.get()) {
            closeQuietly(response);
            throw cancelled();
        }
        if (timedOut.get()) {
            closeQuietly(response);
            throw timeout(firstByteTimeout);
        }
        return new UpstreamResponse(request, response);
    }

    /** Where a call registers how to cancel itself; returns the deregistration. */
    @FunctionalInterface
    public interface Cancellation {
        Cancellation NONE = cancel -> () -> { };

        Runnable register(Runnable cancel);
    }

    /** Connections opened before a SnapStart snapshot are dead after restore: drop every idle one. */
    public void dropIdleConnections() {
        pool.closeIdle(TimeValue.ZERO_MILLISECONDS);
    }

    @Override
    public void close() {
        timer.shutdownNow();
        closeQuietly(client);
    }

    private static boolean requiresBody(String method) {
        return "POST".equals(method) || "PUT".equals(method) || "PATCH".equals(method);
    }

    private static GatewayException cancelled() {
        return new GatewayException(ErrorCode.UPSTREAM_UNREACHABLE,
                "The client left before the provider answered; the provider call was cancelled.");
    }

    private static GatewayException timeout(Duration limit) {
        return new GatewayException(ErrorCode.UPSTREAM_TIMEOUT, "The provider sent no response within "
                + limit.toMillis() + " ms. Raise cf-aig-request-timeout or the gateway's default to wait longer.");
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception ignored) {
            // nothing left to do with a connection we are discarding
        }
    }

    /** A response whose headers arrived; its body is read once, then released to the pool or discarded. */
    public static final class UpstreamResponse {
        private final HttpUriRequestBase request;
        private final ClassicHttpResponse response;

        UpstreamResponse(HttpUriRequestBase request, ClassicHttpResponse response) {
            this.request = request;
            this.response = response;
        }

        public int status() {
            return response.getCode();
        }

        public Headers headers() {
            Headers.Builder b = Headers.builder();
            for (Header h : response.getHeaders()) {
                b.add(h.getName(), h.getValue());
            }
            HttpEntity entity = response.getEntity();
            if (entity != null && entity.getContentLength() >= 0 && response.getFirstHeader("content-length") == null) {
                b.add("content-length", Long.toString(entity.getContentLength()));
            }
            return b.build();
        }

        public long contentLength() {
            HttpEntity entity = response.getEntity();
            return entity == null ? 0 : entity.getContentLength();
        }

        public InputStream body() throws IOException {
            HttpEntity entity = response.getEntity();
            return entity == null ? InputStream.nullInputStream() : entity.getContent();
        }

        /** After the body was read to its end: the connection goes back to the pool. */
        public void release() {
            closeQuietly(response);
        }

        /** The client left or the body failed: cut the provider's connection so it stops generating. */
        public void cancel() {
            request.cancel();
            closeQuietly(response);
        }
    }
}

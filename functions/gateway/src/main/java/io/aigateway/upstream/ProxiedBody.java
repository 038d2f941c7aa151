package io.aigateway.upstream;

import io.aigateway.core.ChunkSink;
import io.aigateway.pipeline.RequestContext;
import io.aigateway.core.ResponseBody;
import io.aigateway.provider.UsageTap;

import java.io.IOException;
import java.io.InputStream;

/**
 * A provider's response body, passed to the client chunk by chunk as it arrives (flushed after every read, so an
 * SSE event reaches the client the moment the provider sends it) while the usage tap reads tokens on the fly and
 * the first bytes are kept for the log. A failed client write cancels the provider call.
 */
final class ProxiedBody implements ResponseBody.Stream {
    private static final int BUFFER = 8192;

    private final UpstreamClient.UpstreamResponse upstream;
    private final UsageTap tap;
    private final RequestContext exchange;
    private final int headLimit;
    private final long length;

    /** @param headLimit how much of the body is kept for the log (its head and, when payloads are kept, more) */
    ProxiedBody(UpstreamClient.UpstreamResponse upstream, UsageTap tap, RequestContext exchange, int headLimit) {
        this.upstream = upstream;
        this.tap = tap;
        this.exchange = exchange;
        this.headLimit = headLimit;
        this.length = upstream.contentLength();
        exchange.usage(tap.usage());
    }

    @Override
    public long length() {
        return length;
    }

    @Override
    public void writeTo(ChunkSink sink) throws IOException {
        byte[] buffer = new byte[BUFFER];
        java.io.ByteArrayOutputStream head = new java.io.ByteArrayOutputStream(Math.min(headLimit, 16 * 1024));
        // a provider that compresses anyway: the tap and the log head read the decompressed bytes
        GzipChunks gunzip = "gzip".equalsIgnoreCase(upstream.headers().firstOrNull("content-encoding"))
                ? new GzipChunks() : null;
        GzipChunks.Consumer observe = (bytes, off, len) -> {
            tap.accept(bytes, off, len);
            int room = headLimit - head.size();
            if (room > 0) {
                head.write(bytes, off, Math.min(len, room));
            }
        };
        long total = 0;
        try (InputStream in = upstream.body()) {
            while (true) {
                int n;
                try {
                    n = in.read(buffer);
                } catch (IOException e) {
                    exchange.answer().upstreamBroken(true);
                    tap.interrupted();
                    upstream.cancel();
                    throw e;
                }
                if (n < 0) {
                    break;
                }
                if (n == 0) {
                    continue;
                }
                exchange.timings().firstByte();
                if (gunzip != null) {
                    gunzip.accept(buffer, 0, n, observe);
                } else {
                    observe.accept(buffer, 0, n);
                }
                total += n;
                try {
                    sink.write(buffer, 0, n);
                    sink.flush();
                } catch (IOException e) {
                    exchange.answer().clientGone(true);
                    tap.interrupted(); // what the provider generated until now is still paid for
                    upstream.cancel();
                    throw e;
                }
            }
            tap.finish();
        } finally {
            if (gunzip != null) {
                gunzip.end();
            }
            exchange.answer().body(total, head.toByteArray());
        }
        upstream.release();
    }

    @Override
    public void abort() {
        exchange.answer().clientGone(true);
        upstream.cancel();
    }
}

package io.aigateway.guard;

import io.aigateway.core.ChunkSink;
import io.aigateway.core.ErrorCode;
import io.aigateway.core.GatewayException;
import io.aigateway.core.GatewayResponse;
import io.aigateway.core.ResponseBody;
import io.aigateway.pipeline.RequestContext;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Locale;

/** Answer bodies as the DLP steps read them: which kind, and a whole buffered one. */
final class Bodies {
    /** A buffered answer is read whole before it is checked; larger ones are refused rather than let through. */
    static final int MAX_BUFFERED = 32 * 1024 * 1024;

    private Bodies() {
    }

    static boolean isEventStream(GatewayResponse r) {
        String ct = r.headers().firstOrNull("content-type");
        return ct != null && ct.toLowerCase(Locale.ROOT).startsWith("text/event-stream");
    }

    static boolean isJson(GatewayResponse r) {
        String ct = r.headers().firstOrNull("content-type");
        return ct != null && ct.toLowerCase(Locale.ROOT).contains("json")
                && !ct.toLowerCase(Locale.ROOT).contains("ndjson") && !ct.toLowerCase(Locale.ROOT).contains("jsonl");
    }

    /** The whole body; a provider that breaks off is a 502, as before any byte was sent. */
    static byte[] readAll(ResponseBody body, RequestContext ex) {
        if (body instanceof ResponseBody.Bytes b) {
            return b.data();
        }
        ResponseBody.Stream stream = (ResponseBody.Stream) body;
        ByteArrayOutputStream out = new ByteArrayOutputStream(stream.length() > 0
                ? (int) Math.min(stream.length(), MAX_BUFFERED) : 8192);
        try {
            stream.writeTo(new ChunkSink() {
                @Override
                public void write(byte[] bytes, int offset, int length) throws IOException {
                    if (out.size() + length > MAX_BUFFERED) {
                        throw new ResponseBody.TooLarge("answer over " + MAX_BUFFERED + " bytes");
                    }
                    out.write(bytes, offset, length);
                }

                @Override
                public void flush() {
                }
            });
        } catch (ResponseBody.TooLarge e) {
            ex.answer().clientGone(false);
            throw new GatewayException(ErrorCode.ANSWER_TOO_LARGE, "The answer is larger than " + MAX_BUFFERED
                    + " bytes, more than a DLP response check reads; ask for a streamed answer instead.");
        } catch (IOException e) {
            throw new GatewayException(ErrorCode.UPSTREAM_UNREACHABLE, "The provider broke off its answer.");
        }
        return out.toByteArray();
    }

    /** Bytes in hand as a stream (a cached event stream to rewrite). */
    static ResponseBody.Stream stream(byte[] bytes) {
        return new ResponseBody.Stream() {
            @Override
            public long length() {
                return bytes.length;
            }

            @Override
            public void writeTo(ChunkSink sink) throws IOException {
                sink.write(bytes, 0, bytes.length);
                sink.flush();
            }

            @Override
            public void abort() {
            }
        };
    }
}

package io.aigateway.core;

import java.io.IOException;

/** A response body: bytes in hand, or a stream the transport pulls through exactly once. */
public sealed interface ResponseBody permits ResponseBody.Bytes, ResponseBody.Stream {

    /** -1 when unknown (a stream without Content-Length). */
    long length();

    record Bytes(byte[] data) implements ResponseBody {
        public static final Bytes EMPTY = new Bytes(new byte[0]);

        @Override
        public long length() {
            return data.length;
        }
    }

    /**
     * A body read from elsewhere while it is written. A transport calls {@link #writeTo} once, or {@link #abort}
     * when it cannot write at all; either way the request's log and metrics are recorded exactly once.
     */
    non-sealed interface Stream extends ResponseBody {
        void writeTo(ChunkSink sink) throws IOException;

        void abort();
    }

    /** Thrown by a transport's sink when the answer outgrows what the transport can return (buffered Lambda). */
    final class TooLarge extends IOException {
        public TooLarge(String message) {
            super(message);
        }
    }
}

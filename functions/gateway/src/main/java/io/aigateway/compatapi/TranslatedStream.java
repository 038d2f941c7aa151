package io.aigateway.compatapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aigateway.compat.StreamTranslator;
import io.aigateway.core.ChunkSink;
import io.aigateway.core.Json;
import io.aigateway.core.ResponseBody;
import io.aigateway.wire.AwsEventStreamDecoder;
import io.aigateway.wire.EventStreamMessage;
import io.aigateway.wire.SseDecoder;
import io.aigateway.wire.SseEvent;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A provider's stream as OpenAI chunks, event by event as the provider's bytes arrive: each provider event (SSE, or
 * an AWS event-stream message for Bedrock) is decoded, translated and written as {@code data: {chunk}} with a flush,
 * and the stream ends with {@code data: [DONE]}. Nothing is held back beyond the event being decoded.
 */
final class TranslatedStream implements ResponseBody.Stream {
    private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] END = "\n\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);

    private final ResponseBody provider;
    private final boolean eventStream;
    private final StreamTranslator translator;

    /** @param eventStream the provider answers in AWS's binary event-stream (Bedrock), not SSE */
    TranslatedStream(ResponseBody provider, boolean eventStream, StreamTranslator translator) {
        this.provider = provider;
        this.eventStream = eventStream;
        this.translator = translator;
    }

    @Override
    public long length() {
        return -1;
    }

    @Override
    public void writeTo(ChunkSink sink) throws IOException {
        Decoder decoder = eventStream ? new EventStream(sink) : new Sse(sink);
        ChunkSink into = new ChunkSink() {
            @Override
            public void write(byte[] bytes, int offset, int length) throws IOException {
                try {
                    decoder.feed(bytes, offset, length);
                } catch (UncheckedIOException clientGone) {
                    throw clientGone.getCause();
                }
            }

            @Override
            public void flush() {
                // each translated event is flushed as it is written
            }
        };
        switch (provider) {
            case ResponseBody.Bytes b -> into.write(b.data(), 0, b.data().length); // a cached answer
            case ResponseBody.Stream s -> s.writeTo(into);
        }
        try {
            decoder.finish();
        } catch (UncheckedIOException clientGone) {
            throw clientGone.getCause();
        }
        emit(sink, translator.onEnd());
        sink.write(DONE, 0, DONE.length);
        sink.flush();
    }

    @Override
    public void abort() {
        if (provider instanceof ResponseBody.Stream s) {
            s.abort();
        }
    }

    private static void emit(ChunkSink sink, List<ObjectNode> chunks) throws IOException {
        if (chunks.isEmpty()) {
            return;
        }
        for (ObjectNode chunk : chunks) {
            byte[] json = Json.MAPPER.writeValueAsBytes(chunk);
            sink.write(DATA, 0, DATA.length);
            sink.write(json, 0, json.length);
            sink.write(END, 0, END.length);
        }
        sink.flush();
    }

    private void onEvent(ChunkSink sink, String name, JsonNode data) {
        if (data == null) {
            return;
        }
        try {
            emit(sink, translator.onEvent(name, data));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode parse(byte[] buffer, int offset, int length) {
        try {
            return Json.MAPPER.readTree(buffer, offset, length);
        } catch (IOException notJson) {
            return null; // OpenAI-compatible streams end with a literal [DONE]; keep-alive comments carry nothing
        }
    }

    private interface Decoder {
        void feed(byte[] bytes, int offset, int length);

        void finish();
    }

    private final class Sse implements Decoder {
        private final SseDecoder decoder;

        Sse(ChunkSink sink) {
            decoder = new SseDecoder((SseEvent e) -> {
                if (e.hasData() && e.dataLength() > 0) {
                    onEvent(sink, e.event(), parse(e.buffer(), e.dataOffset(), e.dataLength()));
                }
            });
        }

        @Override
        public void feed(byte[] bytes, int offset, int length) {
            decoder.feed(bytes, offset, length);
        }

        @Override
        public void finish() {
            decoder.finish();
        }
    }

    private final class EventStream implements Decoder {
        private final AwsEventStreamDecoder decoder;

        EventStream(ChunkSink sink) {
            decoder = new AwsEventStreamDecoder((EventStreamMessage m) -> {
                String name = m.isFailure() ? m.exceptionType() : m.eventType();
                onEvent(sink, name, parse(m.buffer(), m.payloadOffset(), m.payloadLength()));
            });
        }

        @Override
        public void feed(byte[] bytes, int offset, int length) {
            decoder.feed(bytes, offset, length);
        }

        @Override
        public void finish() {
            // event-stream messages are length-prefixed: nothing is pending at a clean end
        }
    }
}

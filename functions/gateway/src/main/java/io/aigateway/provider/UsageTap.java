package io.aigateway.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import io.aigateway.core.Json;
import io.aigateway.wire.AwsEventStreamDecoder;
import io.aigateway.wire.BedrockChunk;
import io.aigateway.wire.ByteScan;
import io.aigateway.wire.EventStreamMessage;
import io.aigateway.wire.NdjsonDecoder;
import io.aigateway.wire.SseDecoder;
import io.aigateway.wire.SseEvent;

import java.io.ByteArrayOutputStream;
import java.io.IOException;

/**
 * Watches a response body go by and reads its usage, without holding the body back. A server-sent-events body is
 * parsed event by event as bytes arrive; an AWS event stream (Bedrock ConverseStream, InvokeModelWithResponseStream)
 * message by message; a newline-delimited JSON stream line by line (the decoders of {@code io.aigateway.wire}); a
 * JSON body (or several documents in one) is kept up to a bound and parsed at the end.
 *
 * <p>Streams that end without usage (an OpenAI stream without {@code stream_options.include_usage}) get estimated
 * counts: the streamed text is collected (bounded, and only until the provider reports usage) and tokenized once
 * at the end, the request body's messages likewise; {@link Usage#estimated()} is then true. Pass the request body
 * to {@link #forContentType(String, int, byte[])} for the input estimate.
 */
public sealed interface UsageTap
        permits UsageTap.Sse, UsageTap.JsonBody, UsageTap.JsonLines, UsageTap.EventStream, UsageTap.None {

    void accept(byte[] bytes, int offset, int length);

    /** Called once when the body ended normally. */
    void finish();

    /**
     * Called instead of {@link #finish()} when the body did not end normally (client gone, upstream broke): a stream
     * that carried no usage so far gets estimated counts for what went by, as the provider will likely bill it.
     */
    default void interrupted() {
    }

    Usage usage();

    static UsageTap forContentType(String contentType, int maxJsonBytes) {
        return forContentType(contentType, maxJsonBytes, null);
    }

    /**
     * @param requestBody the body sent upstream (not copied; read only if a stream ends without usage, to estimate
     *                    input tokens); null when unknown
     */
    static UsageTap forContentType(String contentType, int maxJsonBytes, byte[] requestBody) {
        String ct = contentType == null ? "" : contentType.toLowerCase();
        if (ct.startsWith("text/event-stream")) {
            return new Sse(requestBody);
        }
        if (ct.startsWith("application/vnd.amazon.eventstream")) {
            return new EventStream(requestBody);
        }
        if (isJsonLines(ct)) {
            return new JsonLines();
        }
        if (ct.contains("json")) {
            return new JsonBody(maxJsonBytes);
        }
        return new None();
    }

    /** Newline-delimited JSON media types (a plain {@code application/json} body may span lines: not these). */
    private static boolean isJsonLines(String ct) {
        return ct.startsWith("application/x-ndjson") || ct.startsWith("application/stream+json")
                || ct.startsWith("application/jsonl") || ct.startsWith("application/json-lines");
    }

    /**
     * Usage of a whole body already in memory (a cached answer being replayed, to price what the hit saved), read
     * exactly as if it had streamed by.
     */
    static Usage readAll(String contentType, byte[] body, byte[] requestBody) {
        UsageTap tap = forContentType(contentType, Math.max(body.length, 1), requestBody);
        tap.accept(body, 0, body.length);
        tap.finish();
        return tap.usage();
    }

    final class None implements UsageTap {
        private final Usage usage = new Usage();

        @Override
        public void accept(byte[] bytes, int offset, int length) {
        }

        @Override
        public void finish() {
        }

        @Override
        public Usage usage() {
            return usage;
        }
    }

    /** A JSON document, several (JSON lines under a plain JSON type) or a JSON array of chunks (Gemini without SSE). */
    final class JsonBody implements UsageTap {
        private final Usage usage = new Usage();
        private final ByteArrayOutputStream buffer = new ByteArrayOutputStream(1024);
        private final int max;
        private boolean overflow;

        JsonBody(int max) {
            this.max = max;
        }

        @Override
        public void accept(byte[] bytes, int offset, int length) {
            if (overflow) {
                return;
            }
            if (buffer.size() + length > max) {
                overflow = true;
                buffer.reset();
                return;
            }
            buffer.write(bytes, offset, length);
        }

        @Override
        public void finish() {
            if (overflow || buffer.size() == 0) {
                return;
            }
            byte[] bytes = buffer.toByteArray();
            try (MappingIterator<JsonNode> docs = Json.MAPPER.readerFor(JsonNode.class).readValues(bytes)) {
                while (docs.hasNextValue()) {
                    UsageReader.read(docs.nextValue(), usage);
                }
            } catch (IOException | RuntimeException e) {
                // not JSON (or not only JSON): what was read counts, and the body still passed through untouched
            }
        }

        @Override
        public Usage usage() {
            return usage;
        }
    }

    /** SSE ({@link SseDecoder}): each event whose data is a JSON object is read on its own. */
    final class Sse implements UsageTap {
        private static final byte[] USAGE = ByteScan.ascii("\"usage\"");
        private static final byte[] USAGE_METADATA = ByteScan.ascii("\"usageMetadata\"");
        private static final byte[] BILLED_UNITS = ByteScan.ascii("\"billed_units\"");
        private static final byte[] METRICS = ByteScan.ascii("\"metrics\"");

        private final Usage usage = new Usage();
        private final StreamText text;
        private final SseDecoder decoder = new SseDecoder(SseDecoder.DEFAULT_MAX_EVENT_BYTES, this::onEvent);
        private boolean parsedFirst;

        Sse(byte[] requestBody) {
            this.text = new StreamText(usage, requestBody);
        }

        @Override
        public void accept(byte[] bytes, int offset, int length) {
            decoder.feed(bytes, offset, length);
        }

        private void onEvent(SseEvent event) {
            if (event.oversized() || !event.dataStartsWith('{')) {
                return; // an event this large carries no usage worth the memory; non-JSON data ([DONE]) none at all
            }
            byte[] buf = event.buffer();
            int start = event.dataOffset();
            int end = event.dataEnd();
            // Most events carry only a delta: a JSON tree for each would cost ~2.5 KB and ~1.5 µs per chunk.
            // The first event (it names the model) and events that can carry usage are parsed; the others
            // are kept raw, parsed only if the stream ends without usage and the text must be estimated.
            if (!parsedFirst || mayCarryUsage(buf, start, end)) {
                parsedFirst = true;
                JsonNode doc = parse(buf, start, end - start);
                UsageReader.read(doc, usage);
                text.offer(doc);
            } else {
                text.offerRaw(buf, start, end - start);
            }
        }

        /** A usage object, Gemini's usageMetadata or Cohere's billed units may be in this event. */
        static boolean mayCarryUsage(byte[] buf, int from, int to) {
            return usageObjectAt(buf, from, to) || ByteScan.indexOf(buf, from, to, USAGE_METADATA) >= 0
                    || ByteScan.indexOf(buf, from, to, BILLED_UNITS) >= 0
                    || ByteScan.indexOf(buf, from, to, METRICS) >= 0;
        }

        /** {@code "usage"} followed (after optional spaces and the colon) by an object, not {@code null}. */
        private static boolean usageObjectAt(byte[] buf, int from, int to) {
            for (int at = ByteScan.indexOf(buf, from, to, USAGE); at >= 0;
                 at = ByteScan.indexOf(buf, at + 1, to, USAGE)) {
                int i = at + USAGE.length;
                while (i < to && (buf[i] == ' ' || buf[i] == ':')) {
                    i++;
                }
                if (i < to && buf[i] == '{') {
                    return true;
                }
            }
            return false;
        }

        @Override
        public void finish() {
            decoder.finish(); // a last event without its closing blank line still counts
            text.settle();
        }

        @Override
        public void interrupted() {
            text.settle();
        }

        @Override
        public Usage usage() {
            return usage;
        }
    }

    /**
     * AWS event stream ({@link AwsEventStreamDecoder}; Bedrock ConverseStream, InvokeModelWithResponseStream). Each
     * payload is JSON: a ConverseStream event ({@code metadata} carries {@code usage}), or an
     * InvokeModelWithResponseStream chunk whose {@code bytes} hold the model vendor's own event, base64-encoded
     * ({@link BedrockChunk}; its last one adds {@code amazon-bedrock-invocationMetrics}). A message that does not
     * decode (bad length or CRC) ends the reading, not the response: the client still gets the bytes untouched.
     */
    final class EventStream implements UsageTap {
        private final Usage usage = new Usage();
        private final StreamText text;
        private final AwsEventStreamDecoder decoder = new AwsEventStreamDecoder(this::onMessage);

        EventStream(byte[] requestBody) {
            this.text = new StreamText(usage, requestBody);
        }

        @Override
        public void accept(byte[] bytes, int offset, int length) {
            decoder.feed(bytes, offset, length);
        }

        private void onMessage(EventStreamMessage message) {
            byte[] buf = message.buffer();
            int offset = message.payloadOffset();
            int length = message.payloadLength();
            if (length < 2 || buf[offset] != '{') {
                return;
            }
            JsonNode doc;
            try {
                byte[] inner = BedrockChunk.unwrap(buf, offset, length);
                doc = inner != null ? parse(inner, 0, inner.length) : parse(buf, offset, length);
            } catch (IllegalArgumentException notBase64) {
                return;
            }
            if (doc == null) {
                return;
            }
            UsageReader.read(doc, usage);
            text.offer(doc);
        }

        @Override
        public void finish() {
            text.settle();
        }

        @Override
        public void interrupted() {
            text.settle();
        }

        @Override
        public Usage usage() {
            return usage;
        }
    }

    /**
     * Newline-delimited JSON ({@link NdjsonDecoder}; Cohere's v1 streams): each line read as it completes, so the
     * body is never held, only its longest line.
     */
    final class JsonLines implements UsageTap {
        private final Usage usage = new Usage();
        private final NdjsonDecoder decoder = new NdjsonDecoder(this::onLine);

        @Override
        public void accept(byte[] bytes, int offset, int length) {
            decoder.feed(bytes, offset, length);
        }

        private void onLine(byte[] buf, int offset, int length) {
            JsonNode doc = parse(buf, offset, length);
            if (doc != null) {
                UsageReader.read(doc, usage);
            }
        }

        @Override
        public void finish() {
            decoder.finish();
        }

        @Override
        public Usage usage() {
            return usage;
        }
    }

    private static JsonNode parse(byte[] bytes, int offset, int length) {
        try {
            return Json.MAPPER.readTree(bytes, offset, length);
        } catch (IOException | RuntimeException e) {
            return null; // not JSON after all: no usage, and the body still passes through untouched
        }
    }
}

/**
 * The text a stream generated, collected while it streams (bounded, and only until the provider reports usage), so
 * that a stream ending without usage can be given estimated counts. The tokenizing is deferred to the first read of
 * the counts, so it never delays the end of the response; text past the bound is extrapolated.
 */
final class StreamText {
    static final int MAX_CHARS = 64 * 1024;

    private final Usage usage;
    private final byte[] requestBody;
    private StringBuilder text = new StringBuilder(256);
    private long dropped;
    private boolean sawEvent;
    private boolean settled;

    StreamText(Usage usage, byte[] requestBody) {
        this.usage = usage;
        this.requestBody = requestBody;
    }

    /** Raw events not parsed while streaming, in order, kept only until usage arrives (bounded). */
    private java.util.List<byte[]> raw = new java.util.ArrayList<>();
    private long rawBytes;

    void offerRaw(byte[] buf, int offset, int length) {
        if (settled || usage.reportedByBody()) {
            raw = null;
            return;
        }
        sawEvent = true;
        if (raw != null && rawBytes + length <= 4L * MAX_CHARS) {
            raw.add(java.util.Arrays.copyOfRange(buf, offset, offset + length));
            rawBytes += length;
        } else {
            dropped += length / 4; // a rough character count for what could not be kept
        }
    }

    void offer(JsonNode doc) {
        if (doc == null || settled) {
            return;
        }
        drainRaw();
        sawEvent = true;
        if (usage.reportedByBody()) {
            if (text.capacity() > 256) {
                text = new StringBuilder(0); // usage arrived: the text is no longer needed
            }
            return;
        }
        UsageReader.appendOutputText(doc, text);
        if (text.length() > MAX_CHARS) {
            dropped += text.length() - MAX_CHARS;
            text.setLength(MAX_CHARS);
        }
    }

    /** Parses the raw events kept so far into the collected text, in order. */
    private void drainRaw() {
        if (raw == null || raw.isEmpty()) {
            return;
        }
        java.util.List<byte[]> pending = raw;
        raw = new java.util.ArrayList<>();
        rawBytes = 0;
        if (usage.reportedByBody()) {
            return;
        }
        for (byte[] event : pending) {
            try {
                UsageReader.appendOutputText(io.aigateway.core.Json.MAPPER.readTree(event), text);
            } catch (java.io.IOException | RuntimeException notJson) {
                // not JSON after all: no text from it
            }
        }
    }

    void settle() {
        if (settled) {
            return;
        }
        if (!usage.reportedByBody()) {
            drainRaw();
        }
        settled = true;
        StringBuilder collected = text;
        text = null;
        if (!sawEvent || usage.reportedByBody()) {
            return;
        }
        long droppedChars = dropped;
        usage.deferEstimate(() -> estimate(collected, droppedChars));
    }

    /** Runs on the first read of the usage (normally the request recorder's background thread). */
    private void estimate(CharSequence collected, long droppedChars) {
        try {
            String model = usage.model();
            if (model == null && requestBody != null) {
                model = RequestBodyInfo.inspect(requestBody).model();
            }
            boolean needOut = usage.tokensOut() < 0;
            boolean needIn = usage.tokensIn() < 0 && requestBody != null;
            long out = needOut ? TokenEstimator.estimateOutput(model, collected, droppedChars) : -1;
            long in = needIn ? TokenEstimator.estimateInput(model, requestBody) : -1;
            usage.offerEstimate(in, out);
        } catch (RuntimeException | LinkageError e) {
            // an estimate is a nicety: never let it break the request's record
        }
    }
}

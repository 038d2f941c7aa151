package io.aigateway.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import io.aigateway.core.Json;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.Base64;

/**
 * Watches a response body go by and reads its usage, without holding the body back. A server-sent-events body is
 * parsed event by event as bytes arrive; an AWS event stream (Bedrock ConverseStream, InvokeModelWithResponseStream)
 * frame by frame; a JSON body (or a JSON-lines body) is kept up to a bound and parsed at the end.
 *
 * <p>Streams that end without usage (an OpenAI stream without {@code stream_options.include_usage}) get estimated
 * counts: the streamed text is collected (bounded, and only until the provider reports usage) and tokenized once
 * at the end, the request body's messages likewise; {@link Usage#estimated()} is then true. Pass the request body
 * to {@link #forContentType(String, int, byte[])} for the input estimate.
 */
public sealed interface UsageTap permits UsageTap.Sse, UsageTap.JsonBody, UsageTap.EventStream, UsageTap.None {

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
        if (ct.contains("json")) {
            return new JsonBody(maxJsonBytes);
        }
        return new None();
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

    /** A JSON document, several (JSON lines, Cohere v1 streams) or a JSON array of chunks (Gemini without SSE). */
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

    /** SSE: lines split on LF (CRLF tolerated); each {@code data:} line holding JSON is read on its own. */
    final class Sse implements UsageTap {
        private static final int MAX_LINE = 1 << 20;
        private final Usage usage = new Usage();
        private final StreamText text;
        private byte[] line = new byte[512];
        private int lineLength;
        private boolean skipping;

        Sse(byte[] requestBody) {
            this.text = new StreamText(usage, requestBody);
        }

        @Override
        public void accept(byte[] bytes, int offset, int length) {
            int end = offset + length;
            for (int i = offset; i < end; i++) {
                byte b = bytes[i];
                if (b == '\n') {
                    if (!skipping) {
                        onLine(line, lineLength);
                    }
                    lineLength = 0;
                    skipping = false;
                } else if (!skipping) {
                    if (lineLength == line.length) {
                        if (line.length >= MAX_LINE) {
                            skipping = true; // an event this large carries no usage worth the memory
                            continue;
                        }
                        line = Arrays.copyOf(line, line.length * 2);
                    }
                    line[lineLength++] = b;
                }
            }
        }

        private void onLine(byte[] buf, int len) {
            if (len > 0 && buf[len - 1] == '\r') {
                len--;
            }
            if (len < 6 || buf[0] != 'd' || buf[1] != 'a' || buf[2] != 't' || buf[3] != 'a' || buf[4] != ':') {
                return;
            }
            int start = buf[5] == ' ' ? 6 : 5;
            if (start < len && buf[start] == '{') {
                // Most events carry only a delta: a JSON tree for each would cost ~2.5 KB and ~1.5 µs per chunk.
                // The first event (it names the model) and events that can carry usage are parsed; the others
                // are kept raw, parsed only if the stream ends without usage and the text must be estimated.
                if (!parsedFirst || mayCarryUsage(buf, start, len)) {
                    parsedFirst = true;
                    JsonNode doc = parse(buf, start, len - start);
                    UsageReader.read(doc, usage);
                    text.offer(doc);
                } else {
                    text.offerRaw(buf, start, len - start);
                }
            }
        }

        private boolean parsedFirst;

        /** A usage object, Gemini's usageMetadata or Cohere's billed units may be in this event. */
        static boolean mayCarryUsage(byte[] buf, int from, int to) {
            return usageObjectAt(buf, from, to) || indexOf(buf, from, to, USAGE_METADATA) >= 0
                    || indexOf(buf, from, to, BILLED_UNITS) >= 0 || indexOf(buf, from, to, METRICS) >= 0;
        }

        private static final byte[] USAGE = "\"usage\"".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        private static final byte[] USAGE_METADATA = "\"usageMetadata\"".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        private static final byte[] BILLED_UNITS = "\"billed_units\"".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        private static final byte[] METRICS = "\"metrics\"".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

        /** {@code "usage"} followed (after optional spaces and the colon) by an object, not {@code null}. */
        private static boolean usageObjectAt(byte[] buf, int from, int to) {
            for (int at = indexOf(buf, from, to, USAGE); at >= 0; at = indexOf(buf, at + 1, to, USAGE)) {
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

        private static int indexOf(byte[] buf, int from, int to, byte[] needle) {
            outer:
            for (int i = from; i <= to - needle.length; i++) {
                for (int j = 0; j < needle.length; j++) {
                    if (buf[i + j] != needle[j]) {
                        continue outer;
                    }
                }
                return i;
            }
            return -1;
        }

        @Override
        public void finish() {
            if (lineLength > 0 && !skipping) {
                onLine(line, lineLength);
            }
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
     * AWS event stream ({@code application/vnd.amazon.eventstream}): binary frames of
     * [total length, headers length, prelude CRC, headers, payload, CRC]. Each payload is JSON: a ConverseStream
     * event ({@code metadata} carries {@code usage}), or an InvokeModelWithResponseStream chunk whose {@code bytes}
     * hold the model vendor's own event, base64-encoded (its last one adds {@code amazon-bedrock-invocationMetrics}).
     * CRCs are not checked: the tap only observes, the client gets the bytes untouched.
     */
    final class EventStream implements UsageTap {
        private static final int PRELUDE = 12;
        private static final int MAX_FRAME = 16 << 20;
        private final Usage usage = new Usage();
        private final StreamText text;
        private byte[] buf = new byte[1024];
        private int len;
        private boolean broken;

        EventStream(byte[] requestBody) {
            this.text = new StreamText(usage, requestBody);
        }

        @Override
        public void accept(byte[] bytes, int offset, int length) {
            if (broken) {
                return;
            }
            int pos = offset;
            int end = offset + length;
            while (pos < end) {
                int need = len < PRELUDE ? PRELUDE : frameLength();
                int take = Math.min(end - pos, need - len);
                if (len + take > buf.length) {
                    buf = Arrays.copyOf(buf, Math.max(need, buf.length * 2));
                }
                System.arraycopy(bytes, pos, buf, len, take);
                len += take;
                pos += take;
                if (len == PRELUDE) {
                    int total = frameLength();
                    int headers = readInt(4);
                    if (total < PRELUDE + 4 || total > MAX_FRAME || headers < 0 || headers > total - PRELUDE - 4) {
                        broken = true; // not an event stream after all: stop looking, keep passing bytes through
                        buf = null;
                        return;
                    }
                }
                if (len >= PRELUDE && len == frameLength()) {
                    int headers = readInt(4);
                    onPayload(PRELUDE + headers, len - PRELUDE - headers - 4);
                    len = 0;
                }
            }
        }

        private int frameLength() {
            return readInt(0);
        }

        private int readInt(int at) {
            return ((buf[at] & 0xff) << 24) | ((buf[at + 1] & 0xff) << 16) | ((buf[at + 2] & 0xff) << 8) | (buf[at + 3] & 0xff);
        }

        private void onPayload(int offset, int length) {
            if (length < 2 || buf[offset] != '{') {
                return;
            }
            JsonNode doc = parse(buf, offset, length);
            if (doc == null) {
                return;
            }
            JsonNode bytes = doc.get("bytes");
            if (bytes != null && bytes.isTextual()) {
                try {
                    byte[] inner = Base64.getDecoder().decode(bytes.asText());
                    doc = parse(inner, 0, inner.length);
                } catch (IllegalArgumentException e) {
                    return;
                }
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

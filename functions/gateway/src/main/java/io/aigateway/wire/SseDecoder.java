package io.aigateway.wire;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Server-sent events ({@code text/event-stream}, WHATWG HTML "event stream interpretation"), decoded incrementally
 * from byte chunks split anywhere: inside a line, inside a UTF-8 character, between CR and LF. Lines end with LF,
 * CRLF or a bare CR; a leading BOM is skipped; comment lines ({@code :...}) are ignored; a field without a colon has
 * an empty value; one space after the colon is dropped; {@code data} lines are joined with {@code \n}.
 *
 * <p>Two deliberate departures from a browser: an event block without data (only {@code event:}, {@code id:} or
 * {@code retry:}) is still handed over ({@link SseEvent#hasData()} false), since a stream's terminal or error marker
 * can be a bare {@code event:} line; and {@link #finish()} hands over a last event that the stream did not close with
 * a blank line ({@link SseEvent#terminated()} false), as the gateway's usage and completion readers always have.
 *
 * <p>Memory is bounded by {@code maxEventBytes}: an event whose data would exceed it, or that has a line longer than
 * it (plus room for the field name), is handed over flagged {@link SseEvent#oversized()} with its data dropped; a
 * comment line that long is just ignored. Nothing is allocated per byte, nor per event: lines complete within a
 * chunk are read in place, the event and its data are views into reused buffers, and an event name becomes a String
 * only if a reader asks, once per distinct name. One thread uses an instance.
 */
public final class SseDecoder {
    public static final int DEFAULT_MAX_EVENT_BYTES = 1 << 20;

    /** Room for a field name and its colon on top of the cap, so data of exactly the cap still fits a line. */
    private static final int FIELD_ROOM = 64;
    private static final byte[] BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
    private static final byte[] DATA_FIELD = ByteScan.ascii("data:");
    private static final int NAME_CACHE = 8;
    private static final byte[] DATA = ByteScan.ascii("data");
    private static final byte[] EVENT = ByteScan.ascii("event");
    private static final byte[] ID = ByteScan.ascii("id");
    private static final byte[] RETRY = ByteScan.ascii("retry");

    private final int maxEventBytes;
    private final int maxLineBytes;
    private final Consumer<SseEvent> listener;

    /** A line split across chunks, so far; lineBytes counts it all, only its first maxLineBytes are kept. */
    private byte[] line = new byte[0]; // allocated when a line first spans chunks
    private int lineLength;
    private long lineBytes;
    private boolean afterCr;
    private int bomMatched;
    private boolean atStart = true;
    private boolean finished;

    // the event being read
    private byte[] data = new byte[512]; // one typical chat-completion chunk, so it rarely grows
    private int dataLength;
    private boolean hasData;
    private boolean anyField;
    private boolean oversized;
    /** The event field's value, kept as bytes: a String is made only if a reader asks ({@link SseEvent#event()}). */
    private byte[] name = new byte[32];
    private int nameLength = -1;
    private long retry = -1;
    private String lastId;

    /** Event names made Strings so far, with their bytes: a stream repeats a handful, each made a String once. */
    private byte[][] nameBytes;
    private String[] names;
    private int nextName;
    private final SseEvent view = new SseEvent();

    private long events;
    private long oversizedEvents;

    public SseDecoder(Consumer<SseEvent> listener) {
        this(DEFAULT_MAX_EVENT_BYTES, listener);
    }

    public SseDecoder(int maxEventBytes, Consumer<SseEvent> listener) {
        if (maxEventBytes < 16) {
            throw new IllegalArgumentException("maxEventBytes " + maxEventBytes);
        }
        this.maxEventBytes = maxEventBytes;
        this.maxLineBytes = (int) Math.min(Integer.MAX_VALUE - 16, (long) maxEventBytes + FIELD_ROOM);
        this.listener = listener;
    }

    public void feed(byte[] bytes) {
        feed(bytes, 0, bytes.length);
    }

    public void feed(byte[] bytes, int offset, int length) {
        if (finished) {
            throw new IllegalStateException("fed after finish()");
        }
        int i = offset;
        int end = offset + length;
        if (atStart) {
            i = skipBom(bytes, i, end);
            if (atStart) {
                return; // still inside what may be a BOM
            }
        }
        if (afterCr && i < end) {
            afterCr = false;
            if (bytes[i] == '\n') {
                i++; // the LF of a CRLF split across chunks
            }
        }
        while (i < end) {
            int eol = i;
            while (eol < end && bytes[eol] != '\n' && bytes[eol] != '\r') {
                eol++;
            }
            if (eol == end) {
                appendPartial(bytes, i, end - i);
                return;
            }
            if (lineBytes == 0) {
                endLine(bytes, i, eol, eol - i); // the whole line is in this chunk: read it in place
            } else {
                appendPartial(bytes, i, eol - i);
                endLine(line, 0, lineLength, lineBytes);
            }
            i = eol + 1;
            if (bytes[eol] == '\r') {
                if (i == end) {
                    afterCr = true;
                } else if (bytes[i] == '\n') {
                    i++;
                }
            }
        }
    }

    /**
     * The stream ended normally: reads a last line without its line end and hands over a last event without its
     * closing blank line. Not to be called for a broken-off stream, whose half event means nothing.
     */
    public void finish() {
        if (finished) {
            return;
        }
        if (atStart && bomMatched > 0) {
            appendPartial(BOM, 0, bomMatched); // a stream that began with a BOM's first bytes only
        }
        atStart = false;
        finished = true;
        if (lineBytes > 0) {
            endLine(line, 0, lineLength, lineBytes);
        }
        dispatch(false);
    }

    /** Events handed over so far. */
    public long events() {
        return events;
    }

    /** Events handed over flagged oversized. */
    public long oversizedEvents() {
        return oversizedEvents;
    }

    private int skipBom(byte[] bytes, int i, int end) {
        while (i < end) {
            if (bytes[i] != BOM[bomMatched]) {
                atStart = false;
                if (bomMatched > 0) {
                    appendPartial(BOM, 0, bomMatched); // not a BOM after all: those bytes start the first line
                }
                return i;
            }
            i++;
            if (++bomMatched == BOM.length) {
                atStart = false;
                return i;
            }
        }
        return i;
    }

    private void appendPartial(byte[] bytes, int from, int n) {
        if (n == 0) {
            return;
        }
        lineBytes += n;
        int keep = Math.min(n, maxLineBytes - lineLength); // past the cap only the line's head matters (its field)
        if (keep <= 0) {
            return;
        }
        if (lineLength + keep > line.length) {
            long grown = Math.max(Math.max(lineLength + keep, 256), line.length * 2L);
            line = Arrays.copyOf(line, (int) Math.min(maxLineBytes, grown));
        }
        System.arraycopy(bytes, from, line, lineLength, keep);
        lineLength += keep;
    }

    private void endLine(byte[] bytes, int from, int to, long length) {
        lineLength = 0;
        lineBytes = 0;
        if (length == 0) {
            dispatch(true);
        } else if (length > maxLineBytes) {
            overlong(bytes, from);
        } else {
            field(bytes, from, to);
        }
    }

    /** A line too long to read: its event is flagged (unless it is a comment), its value ignored. */
    private void overlong(byte[] bytes, int from) {
        if (bytes[from] == ':') {
            return;
        }
        anyField = true;
        if (ByteScan.startsWith(bytes, from, from + maxLineBytes, DATA_FIELD)) {
            hasData = true;
        }
        flagOversized();
    }

    private void field(byte[] bytes, int from, int to) {
        if (bytes[from] == ':') {
            return; // a comment (keep-alives are sent this way)
        }
        int colon = ByteScan.indexOf(bytes, from, to, (byte) ':');
        int nameEnd = colon < 0 ? to : colon;
        int value = colon < 0 ? to : colon + 1;
        if (value < to && bytes[value] == ' ') {
            value++;
        }
        if (ByteScan.equals(bytes, from, nameEnd, DATA)) {
            anyField = true;
            appendData(bytes, value, to, hasData);
            hasData = true;
        } else if (ByteScan.equals(bytes, from, nameEnd, EVENT)) {
            anyField = true;
            setName(bytes, value, to);
        } else if (ByteScan.equals(bytes, from, nameEnd, ID)) {
            if (ByteScan.indexOf(bytes, value, to, (byte) 0) < 0) { // the spec ignores an id holding NUL
                anyField = true;
                lastId = new String(bytes, value, to - value, StandardCharsets.UTF_8);
            }
        } else if (ByteScan.equals(bytes, from, nameEnd, RETRY)) {
            long r = digits(bytes, value, to);
            if (r >= 0) {
                anyField = true;
                retry = r;
            }
        }
        // any other field is ignored, per the spec
    }

    private void appendData(byte[] bytes, int from, int to, boolean newline) {
        if (oversized) {
            return;
        }
        int n = to - from + (newline ? 1 : 0);
        if ((long) dataLength + n > maxEventBytes) {
            flagOversized();
            return;
        }
        if (dataLength + n > data.length) {
            data = Arrays.copyOf(data, (int) Math.min(maxEventBytes, Math.max(dataLength + n, data.length * 2L)));
        }
        if (newline) {
            data[dataLength++] = '\n';
        }
        System.arraycopy(bytes, from, data, dataLength, to - from);
        dataLength += to - from;
    }

    private void flagOversized() {
        oversized = true;
        dataLength = 0;
    }

    private void setName(byte[] bytes, int from, int to) {
        int n = to - from;
        if (n > name.length) {
            name = Arrays.copyOf(name, Math.max(n, name.length * 2));
        }
        System.arraycopy(bytes, from, name, 0, n);
        nameLength = n;
    }

    /** The current event's name (null when absent or empty), from the cache of names. */
    String eventName() {
        if (nameLength <= 0) {
            return null;
        }
        if (names == null) {
            nameBytes = new byte[NAME_CACHE][];
            names = new String[NAME_CACHE];
        }
        for (int i = 0; i < NAME_CACHE && nameBytes[i] != null; i++) {
            if (ByteScan.equals(name, 0, nameLength, nameBytes[i])) {
                return names[i];
            }
        }
        int slot = nextName++ % NAME_CACHE; // more names than slots (unusual): the oldest make way
        nameBytes[slot] = Arrays.copyOf(name, nameLength);
        names[slot] = new String(nameBytes[slot], StandardCharsets.UTF_8);
        return names[slot];
    }

    /** The spec's retry value: ASCII digits only, else the field is ignored (-1). */
    private static long digits(byte[] bytes, int from, int to) {
        if (from == to) {
            return -1;
        }
        long v = 0;
        for (int i = from; i < to; i++) {
            int d = bytes[i] - '0';
            if (d < 0 || d > 9) {
                return -1;
            }
            v = v > (Long.MAX_VALUE - d) / 10 ? Long.MAX_VALUE : v * 10 + d;
        }
        return v;
    }

    private void dispatch(boolean terminated) {
        if (anyField) {
            events++;
            if (oversized) {
                oversizedEvents++;
            }
            view.set(this, data, dataLength, hasData, lastId, retry, oversized, terminated);
            try {
                listener.accept(view);
            } finally {
                resetEvent(); // after the callback: the view reads the name from here
            }
        } else {
            resetEvent();
        }
    }

    private void resetEvent() {
        dataLength = 0;
        hasData = false;
        anyField = false;
        oversized = false;
        nameLength = -1;
        retry = -1;
    }
}

package io.aigateway.wire;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * One server-sent event, as {@link SseDecoder} hands it over: a view, reused for every event of the stream and valid
 * only during the callback (so a stream of thousands of events costs no allocation per event, and the event name
 * becomes a String only if asked for). Keep one with {@link #detached()}.
 *
 * <ul>
 *   <li>{@link #event()}: the {@code event:} field, or null when absent or empty (a browser calls it "message");</li>
 *   <li>{@link #buffer()} holds the data, lines joined by {@code \n}, at {@link #dataOffset()} for
 *       {@link #dataLength()} bytes;</li>
 *   <li>{@link #hasData()}: whether any {@code data:} field was present (a browser dispatches only such events);</li>
 *   <li>{@link #id()}: the last event id seen in the stream so far (it carries over events, per the spec), or
 *       null;</li>
 *   <li>{@link #retry()}: this event's {@code retry:} value in milliseconds, or -1;</li>
 *   <li>{@link #oversized()}: the event went over the decoder's cap: its data was dropped (empty here), and a line
 *       itself over the cap was ignored;</li>
 *   <li>{@link #terminated()}: false for the last event of a stream that ended without the blank line closing it
 *       (a browser would drop it; the gateway's readers take it, as upstreams do end that way).</li>
 * </ul>
 */
public final class SseEvent {
    private SseDecoder names;
    private String event;
    private byte[] buffer;
    private int dataOffset;
    private int dataLength;
    private boolean hasData;
    private String id;
    private long retry;
    private boolean oversized;
    private boolean terminated;

    /** A view for a decoder to fill. */
    SseEvent() {
    }

    /** A stand-alone event (tests, {@link #detached()}). */
    public SseEvent(String event, byte[] data, boolean hasData, String id, long retry, boolean oversized,
                    boolean terminated) {
        this.event = event;
        this.buffer = data;
        this.dataLength = data.length;
        this.hasData = hasData;
        this.id = id;
        this.retry = retry;
        this.oversized = oversized;
        this.terminated = terminated;
    }

    void set(SseDecoder names, byte[] buffer, int dataLength, boolean hasData, String id, long retry,
             boolean oversized, boolean terminated) {
        this.names = names;
        this.event = null;
        this.buffer = buffer;
        this.dataOffset = 0;
        this.dataLength = dataLength;
        this.hasData = hasData;
        this.id = id;
        this.retry = retry;
        this.oversized = oversized;
        this.terminated = terminated;
    }

    public String event() {
        if (names != null) {
            event = names.eventName(); // once per event, from the decoder's small cache of names
            names = null;
        }
        return event;
    }

    /** The event type as a browser reports it. */
    public String type() {
        String e = event();
        return e == null ? "message" : e;
    }

    public byte[] buffer() {
        return buffer;
    }

    public int dataOffset() {
        return dataOffset;
    }

    public int dataLength() {
        return dataLength;
    }

    public int dataEnd() {
        return dataOffset + dataLength;
    }

    public boolean hasData() {
        return hasData;
    }

    public String id() {
        return id;
    }

    public long retry() {
        return retry;
    }

    public boolean oversized() {
        return oversized;
    }

    public boolean terminated() {
        return terminated;
    }

    /** The data decoded as UTF-8 (allocates: meant for tests and rare events). */
    public String data() {
        return new String(buffer, dataOffset, dataLength, StandardCharsets.UTF_8);
    }

    public byte[] dataBytes() {
        return Arrays.copyOfRange(buffer, dataOffset, dataOffset + dataLength);
    }

    /** A copy that owns its data, safe to keep after the callback. */
    public SseEvent detached() {
        return new SseEvent(event(), dataBytes(), hasData, id, retry, oversized, terminated);
    }

    public boolean dataEquals(byte[] literal) {
        return ByteScan.equals(buffer, dataOffset, dataOffset + dataLength, literal);
    }

    /** Whether the data starts with this byte ({@code '{'} for a JSON object). */
    public boolean dataStartsWith(char c) {
        return dataLength > 0 && buffer[dataOffset] == c;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SseEvent e && Objects.equals(event(), e.event()) && hasData == e.hasData
                && Objects.equals(id, e.id) && retry == e.retry && oversized == e.oversized
                && terminated == e.terminated
                && Arrays.equals(buffer, dataOffset, dataEnd(), e.buffer, e.dataOffset, e.dataEnd());
    }

    @Override
    public int hashCode() {
        return Objects.hash(event(), id, retry, hasData, oversized, terminated, Arrays.hashCode(dataBytes()));
    }

    @Override
    public String toString() {
        return "SseEvent[event=" + event() + ", data=" + (hasData ? data() : "(none)") + ", id=" + id + ", retry="
                + retry + (oversized ? ", oversized" : "") + (terminated ? "" : ", unterminated") + "]";
    }
}

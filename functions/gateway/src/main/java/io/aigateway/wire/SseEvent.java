package io.aigateway.wire;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One server-sent event, as {@link SseDecoder} hands it over. The data is a view into the decoder's buffer, valid
 * only during the callback (the buffer is reused for the next event): copy it with {@link #dataBytes()} to keep it.
 *
 * @param event      the {@code event:} field, or null when absent or empty (a browser would call it "message")
 * @param buffer     holds the data, lines joined by {@code \n}, at {@code [dataOffset, dataOffset + dataLength)}
 * @param hasData    whether any {@code data:} field was present (a browser dispatches only events that have one)
 * @param id         the last event id seen in the stream so far (it carries over events, per the spec), or null
 * @param retry      this event's {@code retry:} value in milliseconds, or -1
 * @param oversized  the event exceeded the decoder's cap: its data was dropped (empty here) and a line that was
 *                   itself over the cap was ignored
 * @param terminated false for the last event of a stream that ended without the blank line closing it (a browser
 *                   would drop it; the gateway's readers take it, as upstreams do end that way)
 */
public record SseEvent(String event, byte[] buffer, int dataOffset, int dataLength, boolean hasData, String id,
                       long retry, boolean oversized, boolean terminated) {

    /** The event type as a browser reports it. */
    public String type() {
        return event == null ? "message" : event;
    }

    public int dataEnd() {
        return dataOffset + dataLength;
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
        return new SseEvent(event, dataBytes(), 0, dataLength, hasData, id, retry, oversized, terminated);
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
        return o instanceof SseEvent e && java.util.Objects.equals(event, e.event) && hasData == e.hasData
                && java.util.Objects.equals(id, e.id) && retry == e.retry && oversized == e.oversized
                && terminated == e.terminated
                && Arrays.equals(buffer, dataOffset, dataEnd(), e.buffer, e.dataOffset, e.dataEnd());
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(event, id, retry, hasData, oversized, terminated,
                Arrays.hashCode(dataBytes()));
    }

    @Override
    public String toString() {
        return "SseEvent[event=" + event + ", data=" + (hasData ? data() : "(none)") + ", id=" + id + ", retry="
                + retry + (oversized ? ", oversized" : "") + (terminated ? "" : ", unterminated") + "]";
    }
}

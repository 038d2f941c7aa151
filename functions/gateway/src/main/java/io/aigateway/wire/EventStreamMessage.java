package io.aigateway.wire;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * One message of an AWS event stream, as {@link AwsEventStreamDecoder} hands it over. The payload is a view into
 * the decoder's buffer (or the caller's chunk), valid only during the callback: copy it with {@link #payload()} to
 * keep it.
 */
public record EventStreamMessage(List<Header> headers, byte[] buffer, int payloadOffset, int payloadLength) {

    public static final String EVENT_TYPE = ":event-type";
    public static final String MESSAGE_TYPE = ":message-type";
    public static final String EXCEPTION_TYPE = ":exception-type";
    public static final String CONTENT_TYPE = ":content-type";

    public record Header(String name, HeaderValue value) {
    }

    /** The first header of this name, or null. */
    public HeaderValue header(String name) {
        for (Header h : headers) {
            if (h.name().equals(name)) {
                return h.value();
            }
        }
        return null;
    }

    /** The value of a string header, or null when absent or of another type. */
    public String stringHeader(String name) {
        return header(name) instanceof HeaderValue.Str(String value) ? value : null;
    }

    /** {@code :message-type}: {@code event}, {@code exception} or {@code error}. */
    public String messageType() {
        return stringHeader(MESSAGE_TYPE);
    }

    /** {@code :event-type} of an event ({@code chunk}, {@code messageStart}, {@code metadata}...). */
    public String eventType() {
        return stringHeader(EVENT_TYPE);
    }

    /** {@code :exception-type} of an exception ({@code throttlingException}...). */
    public String exceptionType() {
        return stringHeader(EXCEPTION_TYPE);
    }

    public String contentType() {
        return stringHeader(CONTENT_TYPE);
    }

    /** An exception or error message: the stream reports a failure instead of (or after) its events. */
    public boolean isFailure() {
        String type = messageType();
        return "exception".equals(type) || "error".equals(type);
    }

    public int payloadEnd() {
        return payloadOffset + payloadLength;
    }

    public byte[] payload() {
        return Arrays.copyOfRange(buffer, payloadOffset, payloadOffset + payloadLength);
    }

    /** The payload decoded as UTF-8 (allocates: meant for tests and error messages). */
    public String payloadString() {
        return new String(buffer, payloadOffset, payloadLength, StandardCharsets.UTF_8);
    }

    /** A copy that owns its payload, safe to keep after the callback. */
    public EventStreamMessage detached() {
        return new EventStreamMessage(headers, payload(), 0, payloadLength);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof EventStreamMessage m && headers.equals(m.headers)
                && Arrays.equals(buffer, payloadOffset, payloadEnd(), m.buffer, m.payloadOffset, m.payloadEnd());
    }

    @Override
    public int hashCode() {
        return headers.hashCode() * 31 + Arrays.hashCode(payload());
    }

    @Override
    public String toString() {
        return "EventStreamMessage[headers=" + headers + ", payload=" + payloadString() + "]";
    }
}

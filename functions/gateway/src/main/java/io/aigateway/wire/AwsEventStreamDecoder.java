package io.aigateway.wire;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.zip.CRC32;

/**
 * The AWS event-stream framing ({@code application/vnd.amazon.eventstream}; Bedrock's InvokeModelWithResponseStream
 * and ConverseStream), decoded incrementally from byte chunks split anywhere. A message is:
 * <pre>
 *   total length (4) | headers length (4) | prelude CRC32 (4) | headers | payload | message CRC32 (4)
 * </pre>
 * big-endian, each header being name length (1), name, type (1), value. Both CRCs are checked.
 *
 * <p>A message that does not decode (a bad length or CRC, an unknown header type) stops the decoder for good:
 * framing cannot be found again after an error, so {@link #failure()} says why and later bytes are ignored. A message
 * whole inside one chunk is read in place; only a message split across chunks is copied (its buffer is bounded by
 * {@code maxMessageBytes}). One thread uses an instance.
 */
public final class AwsEventStreamDecoder {
    /** The format's own limit on a message. */
    public static final int DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
    /** The format's own limit on the headers of one message. */
    static final int MAX_HEADERS_BYTES = 128 * 1024;
    private static final int PRELUDE = 12;
    private static final int OVERHEAD = PRELUDE + 4;

    private final int maxMessageBytes;
    private final Consumer<EventStreamMessage> listener;
    private final CRC32 crc = new CRC32();
    private byte[] buf = new byte[0];
    private int length;
    private int total;
    private String failure;
    private long messages;

    public AwsEventStreamDecoder(Consumer<EventStreamMessage> listener) {
        this(DEFAULT_MAX_MESSAGE_BYTES, listener);
    }

    public AwsEventStreamDecoder(int maxMessageBytes, Consumer<EventStreamMessage> listener) {
        if (maxMessageBytes < OVERHEAD) {
            throw new IllegalArgumentException("maxMessageBytes " + maxMessageBytes);
        }
        this.maxMessageBytes = maxMessageBytes;
        this.listener = listener;
    }

    public void feed(byte[] bytes) {
        feed(bytes, 0, bytes.length);
    }

    public void feed(byte[] bytes, int offset, int length) {
        int i = offset;
        int end = offset + length;
        while (i < end && failure == null) {
            if (this.length == 0 && end - i >= PRELUDE) {
                int size = prelude(bytes, i);
                if (size < 0) {
                    return;
                }
                if (end - i >= size) {
                    message(bytes, i, size); // whole in this chunk: read in place
                    i += size;
                    continue;
                }
            }
            int need = this.length < PRELUDE ? PRELUDE : total;
            int take = Math.min(end - i, need - this.length);
            if (this.length + take > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(need, Math.min(maxMessageBytes, Math.max(1024, buf.length * 2))));
            }
            System.arraycopy(bytes, i, buf, this.length, take);
            this.length += take;
            i += take;
            if (this.length == PRELUDE) {
                if (prelude(buf, 0) < 0) {
                    return;
                }
                if (total > buf.length) {
                    buf = Arrays.copyOf(buf, total);
                }
            }
            if (this.length >= PRELUDE && this.length == total) {
                this.length = 0;
                message(buf, 0, total);
            }
        }
    }

    /** Why decoding stopped, or null while the stream decodes. */
    public String failure() {
        return failure;
    }

    /** Whether the bytes so far are whole messages, all valid: what a stream that ended normally must be. */
    public boolean atMessageBoundary() {
        return failure == null && length == 0;
    }

    public long messages() {
        return messages;
    }

    /** Checks the prelude at {@code at}; returns the message's total length, or -1 after recording a failure. */
    private int prelude(byte[] b, int at) {
        int size = readInt(b, at);
        int headers = readInt(b, at + 4);
        if (size < OVERHEAD || size > maxMessageBytes) {
            return fail("message length " + Integer.toUnsignedString(size));
        }
        if (headers < 0 || headers > MAX_HEADERS_BYTES || headers > size - OVERHEAD) {
            return fail("headers length " + Integer.toUnsignedString(headers));
        }
        crc.reset();
        crc.update(b, at, 8);
        if ((int) crc.getValue() != readInt(b, at + 8)) {
            return fail("prelude CRC mismatch");
        }
        total = size;
        return size;
    }

    private void message(byte[] b, int at, int size) {
        crc.reset();
        crc.update(b, at, size - 4);
        if ((int) crc.getValue() != readInt(b, at + size - 4)) {
            fail("message CRC mismatch");
            return;
        }
        int headersEnd = at + PRELUDE + readInt(b, at + 4);
        List<EventStreamMessage.Header> headers = headers(b, at + PRELUDE, headersEnd);
        if (headers == null) {
            return;
        }
        messages++;
        listener.accept(new EventStreamMessage(headers, b, headersEnd, at + size - 4 - headersEnd));
    }

    private List<EventStreamMessage.Header> headers(byte[] b, int p, int end) {
        List<EventStreamMessage.Header> out = new ArrayList<>(4);
        while (p < end) {
            int nameLength = b[p++] & 0xff;
            if (nameLength == 0 || p + nameLength + 1 > end) {
                fail("bad header name");
                return null;
            }
            String name = headerName(b, p, nameLength);
            p += nameLength;
            int type = b[p++];
            int size = switch (type) {
                case 0, 1 -> 0;
                case 2 -> 1;
                case 3 -> 2;
                case 4 -> 4;
                case 5, 8 -> 8;
                case 6, 7 -> p + 2 <= end ? 2 + (((b[p] & 0xff) << 8) | (b[p + 1] & 0xff)) : Integer.MAX_VALUE;
                case 9 -> 16;
                default -> -1;
            };
            if (size < 0 || size > end - p) {
                fail(size < 0 ? "unknown header type " + type : "header " + name + " overruns the headers");
                return null;
            }
            HeaderValue value = switch (type) {
                case 0 -> TRUE;
                case 1 -> FALSE;
                case 2 -> new HeaderValue.Int8(b[p]);
                case 3 -> new HeaderValue.Int16((short) (((b[p] & 0xff) << 8) | (b[p + 1] & 0xff)));
                case 4 -> new HeaderValue.Int32(readInt(b, p));
                case 5 -> new HeaderValue.Int64(readLong(b, p));
                case 6 -> new HeaderValue.Bytes(Arrays.copyOfRange(b, p + 2, p + size));
                case 7 -> new HeaderValue.Str(stringValue(b, p + 2, size - 2));
                case 8 -> new HeaderValue.Timestamp(readLong(b, p));
                default -> new HeaderValue.Uuid(new UUID(readLong(b, p), readLong(b, p + 8)));
            };
            out.add(new EventStreamMessage.Header(name, value));
            p += size;
        }
        return out;
    }

    private static final HeaderValue TRUE = new HeaderValue.Bool(true);
    private static final HeaderValue FALSE = new HeaderValue.Bool(false);

    /** Names and values Bedrock sends on every message, so they are not made Strings again each time. */
    private static final String[] KNOWN = {EventStreamMessage.EVENT_TYPE, EventStreamMessage.MESSAGE_TYPE,
            EventStreamMessage.CONTENT_TYPE, EventStreamMessage.EXCEPTION_TYPE, "event", "exception", "error",
            "application/json", "chunk"};
    private static final byte[][] KNOWN_BYTES = Arrays.stream(KNOWN).map(ByteScan::ascii).toArray(byte[][]::new);

    private static String headerName(byte[] b, int at, int n) {
        return stringValue(b, at, n);
    }

    private static String stringValue(byte[] b, int at, int n) {
        for (int k = 0; k < KNOWN.length; k++) {
            if (ByteScan.equals(b, at, at + n, KNOWN_BYTES[k])) {
                return KNOWN[k];
            }
        }
        return new String(b, at, n, StandardCharsets.UTF_8);
    }

    private int fail(String why) {
        failure = why;
        length = 0;
        buf = new byte[0]; // nothing more will be read
        return -1;
    }

    static int readInt(byte[] b, int at) {
        return ((b[at] & 0xff) << 24) | ((b[at + 1] & 0xff) << 16) | ((b[at + 2] & 0xff) << 8) | (b[at + 3] & 0xff);
    }

    private static long readLong(byte[] b, int at) {
        return ((long) readInt(b, at) << 32) | (readInt(b, at + 4) & 0xffffffffL);
    }
}

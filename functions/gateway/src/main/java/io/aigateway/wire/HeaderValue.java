package io.aigateway.wire;

import java.util.UUID;

/** A typed header value of the AWS event-stream encoding (type byte 0 to 9). */
public sealed interface HeaderValue {
    record Bool(boolean value) implements HeaderValue {
    }

    record Int8(byte value) implements HeaderValue {
    }

    record Int16(short value) implements HeaderValue {
    }

    record Int32(int value) implements HeaderValue {
    }

    record Int64(long value) implements HeaderValue {
    }

    /** Type 6. The array is the value's own copy. */
    record Bytes(byte[] value) implements HeaderValue {
        @Override
        public boolean equals(Object o) {
            return o instanceof Bytes b && java.util.Arrays.equals(value, b.value);
        }

        @Override
        public int hashCode() {
            return java.util.Arrays.hashCode(value);
        }

        @Override
        public String toString() {
            return "Bytes[" + java.util.HexFormat.of().formatHex(value) + "]";
        }
    }

    record Str(String value) implements HeaderValue {
    }

    /** Type 8: milliseconds since the epoch. */
    record Timestamp(long epochMillis) implements HeaderValue {
    }

    record Uuid(UUID value) implements HeaderValue {
    }
}

package io.aigateway.upstream;

import java.io.ByteArrayOutputStream;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Decompresses a gzip body chunk by chunk as it streams past, for the usage tap and the log head only: the client
 * receives the provider's bytes unchanged, {@code Content-Encoding} and all. The gateway does not ask for
 * compression, but a provider may compress anyway; without this its tokens and cost would be unknown. Garbage
 * (a broken stream) stops the decoding, never the response.
 */
final class GzipChunks {
    private static final int FTEXT_HCRC = 0x02;
    private static final int FEXTRA = 0x04;
    private static final int FNAME = 0x08;
    private static final int FCOMMENT = 0x10;

    private final Inflater inflater = new Inflater(true);
    private final ByteArrayOutputStream header = new ByteArrayOutputStream(16);
    private final byte[] out = new byte[16 * 1024];
    private boolean inBody;
    private boolean failed;

    /** Decompressed bytes of {@code chunk} (possibly none yet), passed to {@code consumer}. */
    void accept(byte[] chunk, int offset, int length, Consumer consumer) {
        if (failed || inflater.finished()) {
            return;
        }
        int start = offset;
        int end = offset + length;
        if (!inBody) {
            header.write(chunk, offset, length);
            int bodyAt = headerLength(header.toByteArray());
            if (bodyAt < 0) {
                return; // header not complete yet
            }
            byte[] all = header.toByteArray();
            inBody = true;
            chunk = all;
            start = bodyAt;
            end = all.length;
            if (bodyAt == 0) {
                failed = true; // not gzip after all
                return;
            }
        }
        inflater.setInput(chunk, start, end - start);
        try {
            while (!inflater.needsInput() && !inflater.finished()) {
                int n = inflater.inflate(out);
                if (n == 0 && (inflater.needsDictionary() || inflater.needsInput())) {
                    break;
                }
                if (n > 0) {
                    consumer.accept(out, 0, n);
                }
            }
        } catch (DataFormatException e) {
            failed = true;
        }
    }

    void end() {
        inflater.end();
    }

    /** Where the deflate data starts; -1 when the header is incomplete, 0 when this is not gzip. */
    private static int headerLength(byte[] h) {
        if (h.length < 10) {
            return h.length >= 2 && ((h[0] & 0xff) != 0x1f || (h[1] & 0xff) != 0x8b) ? 0 : -1;
        }
        if ((h[0] & 0xff) != 0x1f || (h[1] & 0xff) != 0x8b || h[2] != 8) {
            return 0;
        }
        int flags = h[3] & 0xff;
        int pos = 10;
        if ((flags & FEXTRA) != 0) {
            if (h.length < pos + 2) {
                return -1;
            }
            pos += 2 + ((h[pos] & 0xff) | (h[pos + 1] & 0xff) << 8);
        }
        for (int flag : new int[]{FNAME, FCOMMENT}) {
            if ((flags & flag) != 0) {
                while (pos < h.length && h[pos] != 0) {
                    pos++;
                }
                if (pos >= h.length) {
                    return -1;
                }
                pos++;
            }
        }
        if ((flags & FTEXT_HCRC) != 0) {
            pos += 2;
        }
        return pos <= h.length ? pos : -1;
    }

    interface Consumer {
        void accept(byte[] bytes, int offset, int length);
    }
}

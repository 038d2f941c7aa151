package io.aigateway.log;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.zip.GZIPOutputStream;

/** A log's bodies, gzip-compressed, bounded, stored in an item of their own beside the log. */
public record LogPayload(byte[] requestGzip, byte[] responseGzip) {
    /** DynamoDB items hold 400 KB; the two compressed bodies share what is left after keys and attributes. */
    public static final int MAX_COMPRESSED = 180 * 1024;

    public static LogPayload of(byte[] request, byte[] response) {
        return new LogPayload(gzip(request), gzip(response));
    }

    public boolean isEmpty() {
        return requestGzip == null && responseGzip == null;
    }

    static byte[] gzip(byte[] body) {
        if (body == null || body.length == 0) {
            return null;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(64, body.length / 4));
        try (GZIPOutputStream gz = new GZIPOutputStream(out, 8192)) {
            gz.write(body);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.size() > MAX_COMPRESSED ? null : out.toByteArray();
    }
}

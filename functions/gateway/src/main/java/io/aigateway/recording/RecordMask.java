package io.aigateway.recording;

import java.nio.charset.StandardCharsets;

/** How one request's record is masked. Not thread-safe: one per record. */
public interface RecordMask {
    RecordMask NONE = new RecordMask() {
        @Override
        public boolean keepsBodies() {
            return true;
        }

        @Override
        public String text(String text) {
            return text;
        }
    };

    /** False: no body is recorded at all, neither heads nor stored bodies. */
    boolean keepsBodies();

    /** The text with what must not be recorded replaced (the same instance when nothing is). */
    String text(String text);

    /** A body's bytes masked as UTF-8 text; non-text bodies are kept only when nothing is masked. */
    default byte[] body(String contentType, byte[] body) {
        if (this == NONE || body == null || body.length == 0) {
            return body;
        }
        if (!isText(contentType)) {
            return new byte[0]; // binary (audio, images): nothing to scan, so nothing is kept
        }
        String text = new String(body, StandardCharsets.UTF_8);
        String masked = text(text);
        return masked == text ? body : masked.getBytes(StandardCharsets.UTF_8);
    }

    /** Text as the record sees it (unknown: text; binary bodies seldom decode into a value's shape). */
    private static boolean isText(String contentType) {
        if (contentType == null) {
            return true;
        }
        String ct = contentType.toLowerCase(java.util.Locale.ROOT);
        return ct.contains("json") || ct.startsWith("text/") || ct.contains("x-www-form-urlencoded")
                || ct.contains("event-stream") || ct.contains("xml");
    }
}

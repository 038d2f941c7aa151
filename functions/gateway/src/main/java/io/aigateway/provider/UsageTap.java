package io.aigateway.provider;

import com.fasterxml.jackson.databind.JsonNode;
import io.aigateway.core.Json;

import java.io.ByteArrayOutputStream;
import java.io.IOException;

/**
 * Watches a response body go by and reads its usage, without holding the body back. A server-sent-events body is
 * parsed event by event as bytes arrive; a JSON body is kept (up to a bound) and parsed at the end.
 */
public sealed interface UsageTap permits UsageTap.Sse, UsageTap.JsonBody, UsageTap.None {

    void accept(byte[] bytes, int offset, int length);

    /** Called once when the body ended normally. */
    void finish();

    Usage usage();

    static UsageTap forContentType(String contentType, int maxJsonBytes) {
        String ct = contentType == null ? "" : contentType.toLowerCase();
        if (ct.startsWith("text/event-stream")) {
            return new Sse();
        }
        if (ct.contains("json")) {
            return new JsonBody(maxJsonBytes);
        }
        return new None();
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
            if (!overflow && buffer.size() > 0) {
                UsageReader.read(parse(buffer.toByteArray(), 0, buffer.size()), usage);
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
        private byte[] line = new byte[512];
        private int lineLength;
        private boolean skipping;

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
                        line = java.util.Arrays.copyOf(line, line.length * 2);
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
                UsageReader.read(parse(buf, start, len - start), usage);
            }
        }

        @Override
        public void finish() {
            if (lineLength > 0 && !skipping) {
                onLine(line, lineLength);
            }
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

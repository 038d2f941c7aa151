package io.aigateway.compatapi;

import com.fasterxml.jackson.databind.JsonNode;
import io.aigateway.core.ChunkSink;
import io.aigateway.core.ErrorCode;
import io.aigateway.core.GatewayException;
import io.aigateway.core.GatewayResponse;
import io.aigateway.core.Headers;
import io.aigateway.core.Json;
import io.aigateway.core.ResponseBody;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPInputStream;

/** Reading a provider's (non-streamed) answer whole, to translate it. */
final class Bodies {
    /** Larger provider answers are not translated (no chat completion or embeddings batch comes near). */
    static final int MAX_ANSWER = 64 * 1024 * 1024;
    static final int MAX_ERROR = 1024 * 1024;

    private Bodies() {
    }

    static byte[] read(GatewayResponse response, int max) {
        ResponseBody body = response.body();
        byte[] bytes;
        if (body instanceof ResponseBody.Bytes b) {
            bytes = b.data();
        } else {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try {
                ((ResponseBody.Stream) body).writeTo(new ChunkSink() {
                    @Override
                    public void write(byte[] data, int offset, int length) throws IOException {
                        if (out.size() + length > max) {
                            throw new ResponseBody.TooLarge("over " + max + " bytes");
                        }
                        out.write(data, offset, length);
                    }

                    @Override
                    public void flush() {
                    }
                });
            } catch (ResponseBody.TooLarge e) {
                throw new GatewayException(ErrorCode.ANSWER_TOO_LARGE, "The provider's answer is larger than "
                        + max + " bytes, more than the OpenAI-compatible endpoint translates.");
            } catch (IOException e) {
                throw new GatewayException(ErrorCode.UPSTREAM_UNREACHABLE,
                        "The provider's answer broke off before it was complete.");
            }
            bytes = out.toByteArray();
        }
        if ("gzip".equalsIgnoreCase(response.headers().firstOrNull("content-encoding"))) {
            try (GZIPInputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(bytes))) {
                return in.readNBytes(max);
            } catch (IOException e) {
                throw new GatewayException(ErrorCode.UPSTREAM_UNREACHABLE, "The provider's gzip answer is corrupt.");
            }
        }
        return bytes;
    }

    /** The body as JSON, or null when it is none. */
    static JsonNode json(byte[] bytes) {
        if (bytes.length == 0) {
            return null;
        }
        try {
            return Json.MAPPER.readTree(bytes);
        } catch (IOException e) {
            return Json.MAPPER.getNodeFactory().textNode(new String(bytes, 0, Math.min(bytes.length, 2000),
                    StandardCharsets.UTF_8));
        }
    }

    /** The provider's headers minus those describing its body (the translated body is another). */
    static Headers.Builder headers(GatewayResponse response, String contentType) {
        return response.headers().toBuilder().remove("content-type").remove("content-length")
                .remove("content-encoding").remove("transfer-encoding").set("content-type", contentType);
    }

    static void abort(GatewayResponse response) {
        if (response.body() instanceof ResponseBody.Stream s) {
            s.abort();
        }
    }
}

package io.aigateway.lambda;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import io.aigateway.Gateway;
import io.aigateway.GatewayApp;
import io.aigateway.core.ChunkSink;
import io.aigateway.core.ErrorCode;
import io.aigateway.core.Errors;
import io.aigateway.core.GatewayRequest;
import io.aigateway.core.GatewayResponse;
import io.aigateway.core.Headers;
import io.aigateway.core.ResponseBody;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The buffered Lambda transport: a function URL (payload v2) or HTTP API event in, the whole response out.
 * A streamed provider response is collected and returned as one {@code text/event-stream} body. It waits for the
 * request's log write before returning, because Lambda freezes the process as soon as the handler returns.
 */
public final class LambdaHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {
    private static final long RECORD_WAIT_MS = 2_000;

    private final Gateway gateway;

    /** Lambda's entry point: the app is built once per execution environment (and before a SnapStart snapshot). */
    public LambdaHandler() {
        this(LambdaApp.instance().gateway());
    }

    public LambdaHandler(Gateway gateway) {
        this.gateway = gateway;
    }

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        GatewayRequest request;
        try {
            request = toRequest(event);
        } catch (IllegalArgumentException badBase64) {
            // a clear 400 rather than a function error (which the function URL turns into a bare 502)
            return toResponse(io.aigateway.core.Errors.response(io.aigateway.core.ErrorCode.BAD_REQUEST,
                    "The request body is marked isBase64Encoded but is not valid base64."), null);
        }
        GatewayResponse response = request.body().length > gateway.maxRequestBytes()
                ? gateway.reject(request, Gateway.tooLarge(gateway.maxRequestBytes()))
                : gateway.handle(request);
        byte[] body;
        try {
            body = collect(response.body(), isText(response.headers().firstOrNull("content-type")));
        } catch (ResponseBody.TooLarge e) {
            Headers.Builder kept = Headers.builder();
            for (String name : new String[]{"cf-aig-log-id", "cf-aig-event-id"}) {
                String value = response.headers().firstOrNull(name);
                if (value != null) {
                    kept.set(name, value);
                }
            }
            response = Errors.response(ErrorCode.ANSWER_TOO_LARGE, e.getMessage(), kept.build());
            body = ((ResponseBody.Bytes) response.body()).data();
        }
        try {
            response.recorded().get(RECORD_WAIT_MS, TimeUnit.MILLISECONDS);
        } catch (Exception slowStore) {
            // The log write goes on in the background; the answer is not held back any longer for it.
        }
        return compressed(toResponse(response, body), request.headers().firstOrNull("accept-encoding"), body);
    }

    /** Answers smaller than this go as they are: gzip and base64 would save next to nothing. */
    static final int COMPRESS_FROM_BYTES = 8 * 1024;

    /**
     * A text answer of some size, to a client that accepts gzip, goes gzip-compressed (base64 in the function URL's
     * envelope): JSON shrinks 4 to 10 times, which more than pays for base64's third, and a big answer reaches the
     * client sooner. Answers the provider already encoded, and small ones, go as they are.
     */
    static APIGatewayV2HTTPResponse compressed(APIGatewayV2HTTPResponse out, String acceptEncoding, byte[] body) {
        if (body == null || body.length < COMPRESS_FROM_BYTES || out.getIsBase64Encoded() || acceptEncoding == null
                || !acceptsGzip(acceptEncoding) || out.getHeaders().containsKey("content-encoding")) {
            return out;
        }
        ByteArrayOutputStream gz = new ByteArrayOutputStream(body.length / 4 + 64);
        try (java.util.zip.GZIPOutputStream zip = new java.util.zip.GZIPOutputStream(gz, 8192)) {
            zip.write(body);
        } catch (IOException cannotHappen) {
            return out;
        }
        if (gz.size() * 4L / 3 >= body.length) {
            return out; // incompressible: base64 would make it bigger
        }
        Map<String, String> headers = new LinkedHashMap<>(out.getHeaders());
        headers.remove("content-length");
        headers.put("content-encoding", "gzip");
        headers.merge("vary", "accept-encoding", (a, b) -> a + ", " + b);
        out.setHeaders(headers);
        out.setIsBase64Encoded(true);
        out.setBody(Base64.getEncoder().encodeToString(gz.toByteArray()));
        return out;
    }

    private static boolean acceptsGzip(String acceptEncoding) {
        for (String part : acceptEncoding.toLowerCase(Locale.ROOT).split(",")) {
            String[] coding = part.trim().split(";");
            if (coding[0].trim().equals("gzip") || coding[0].trim().equals("*")) {
                return coding.length < 2 || !coding[1].replace(" ", "").equals("q=0");
            }
        }
        return false;
    }

    static GatewayRequest toRequest(APIGatewayV2HTTPEvent event) {
        APIGatewayV2HTTPEvent.RequestContext ctx = event.getRequestContext();
        String method = ctx != null && ctx.getHttp() != null ? ctx.getHttp().getMethod() : "GET";
        String sourceIp = ctx != null && ctx.getHttp() != null ? ctx.getHttp().getSourceIp() : null;
        Headers.Builder headers = Headers.builder();
        if (event.getHeaders() != null) {
            event.getHeaders().forEach((name, value) -> {
                if (value != null) {
                    headers.add(name, value);
                }
            });
        }
        if (event.getCookies() != null && !event.getCookies().isEmpty()) {
            headers.set("cookie", String.join("; ", event.getCookies()));
        }
        byte[] body;
        if (event.getBody() == null) {
            body = new byte[0];
        } else if (event.getIsBase64Encoded()) {
            body = Base64.getDecoder().decode(event.getBody());
        } else {
            body = event.getBody().getBytes(StandardCharsets.UTF_8);
        }
        String rawPath = event.getRawPath() == null ? "/" : event.getRawPath();
        return GatewayRequest.of(method.toUpperCase(Locale.ROOT), rawPath, event.getRawQueryString(),
                headers.build(), body, sourceIp);
    }

    /**
     * Lambda returns at most 6 MB of response payload (the JSON envelope included: headers, escaped text or base64).
     * The body is collected up to that bound and no further, so a huge answer costs a bounded amount of memory and a
     * clear 502 (2042) instead of an OutOfMemoryError or a function error.
     */
    static final long MAX_PAYLOAD = 6L * 1024 * 1024 - 64 * 1024;

    private static byte[] collect(ResponseBody body, boolean text) throws ResponseBody.TooLarge {
        return switch (body) {
            case ResponseBody.Bytes bytes -> bytes.data();
            case ResponseBody.Stream stream -> {
                ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
                long[] encoded = {0};
                try {
                    stream.writeTo(new ChunkSink() {
                        @Override
                        public void write(byte[] bytes, int offset, int length) throws IOException {
                            encoded[0] += text ? escapedLength(bytes, offset, length) : (length * 4L + 2) / 3;
                            if (encoded[0] > MAX_PAYLOAD) {
                                throw new ResponseBody.TooLarge("The provider's answer is larger than the 6 MB a"
                                        + " buffered Lambda response can carry. Deploy with the template parameter"
                                        + " Streaming=true to stream large answers.");
                            }
                            out.write(bytes, offset, length);
                        }

                        @Override
                        public void flush() {
                        }
                    });
                } catch (ResponseBody.TooLarge tooLarge) {
                    throw tooLarge;
                } catch (IOException upstreamBroke) {
                    // what arrived is returned; the log records the broken upstream
                }
                yield out.toByteArray();
            }
        };
    }

    /** Bytes a text chunk takes in the response JSON, escapes included (binary bodies take 4/3, as base64). */
    private static long escapedLength(byte[] bytes, int offset, int length) {
        long n = length;
        for (int i = offset; i < offset + length; i++) {
            byte b = bytes[i];
            if (b == '"' || b == '\\' || b == '\n' || b == '\r' || b == '\t') {
                n += 1;
            } else if (b >= 0 && b < 0x20) {
                n += 5; // backslash, u and four hex digits
            }
        }
        return n;
    }

    static APIGatewayV2HTTPResponse toResponse(GatewayResponse response, byte[] collected) {
        byte[] body = collected != null ? collected : ((ResponseBody.Bytes) response.body()).data();
        Map<String, String> headers = new LinkedHashMap<>();
        List<String> cookies = new ArrayList<>();
        response.headers().forEach((name, value) -> {
            if ("set-cookie".equals(name)) {
                cookies.add(value);
            } else {
                headers.merge(name, value, (a, b) -> a + "," + b);
            }
        });
        String contentType = response.headers().firstOrNull("content-type");
        boolean text = isText(contentType);
        APIGatewayV2HTTPResponse.APIGatewayV2HTTPResponseBuilder out = APIGatewayV2HTTPResponse.builder()
                .withStatusCode(response.status())
                .withHeaders(headers)
                .withIsBase64Encoded(!text && body.length > 0)
                .withBody(text || body.length == 0 ? new String(body, StandardCharsets.UTF_8)
                        : Base64.getEncoder().encodeToString(body));
        if (!cookies.isEmpty()) {
            out.withCookies(cookies);
        }
        return out.build();
    }

    private static boolean isText(String contentType) {
        if (contentType == null) {
            return false;
        }
        String ct = contentType.toLowerCase(Locale.ROOT);
        return ct.startsWith("text/") || ct.contains("json") || ct.contains("xml")
                || ct.contains("x-www-form-urlencoded") || ct.contains("javascript");
    }
}

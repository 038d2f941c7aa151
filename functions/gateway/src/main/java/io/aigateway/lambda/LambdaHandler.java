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
        return toResponse(response, body);
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

package io.aigateway.server;

import io.aigateway.Gateway;
import io.aigateway.core.ChunkSink;
import io.aigateway.core.ErrorCode;
import io.aigateway.core.ErrorShape;
import io.aigateway.core.Errors;
import io.aigateway.core.GatewayException;
import io.aigateway.core.GatewayRequest;
import io.aigateway.core.GatewayResponse;
import io.aigateway.core.Headers;
import io.aigateway.core.ResponseBody;
import io.aigateway.pipeline.ClientLink;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.EofException;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Blocker;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * One request, on its own virtual thread: the body is read (bounded, see below), the gateway answers, the answer is
 * written with blocking writes. Only conversion and limits live here; all gateway logic is in {@link Gateway}.
 *
 * <ul>
 *   <li>A declared {@code Content-Length} over the limit gets 413 before a byte of the body is read; a chunked body
 *       is counted as it arrives and refused the moment it passes the limit. Both close the connection.</li>
 *   <li>Every body reserves its bytes in the server's {@link BodyBudget} first; if it does not fit in time: 503.</li>
 *   <li>While the gateway works, a client that disconnects is noticed ({@link GuardedEndPoint#watch} on HTTP/1, a
 *       request failure on HTTP/2) and its provider call cancelled ({@link ClientLink}).</li>
 *   <li>Streamed answers are written chunk by chunk, each write blocking until the connection took it, so a slow
 *       reader holds back the provider read loop instead of piling up bytes in memory.</li>
 * </ul>
 */
final class GatewayHandler extends Handler.Abstract {
    private static final Logger LOG = LoggerFactory.getLogger(GatewayHandler.class);
    /** Framing headers this transport sets itself. */
    private static final Set<String> FRAMING = Set.of("content-length", "transfer-encoding", "connection", "keep-alive");
    /** Growth step of a body without a declared length (and the first reservation for it). */
    private static final int STEP = 64 * 1024;

    private final Gateway gateway;
    private final long maxRequestBytes;
    private final Map<String, Runnable> controlRoutes;
    private final boolean trustAdapterContext;
    private final BodyBudget budget;
    private final long inflightWaitNanos;

    GatewayHandler(Gateway gateway, long maxRequestBytes, Map<String, Runnable> controlRoutes,
                   boolean trustAdapterContext, BodyBudget budget, ServerLimits limits) {
        this.gateway = gateway;
        this.maxRequestBytes = maxRequestBytes;
        this.controlRoutes = Map.copyOf(controlRoutes);
        this.trustAdapterContext = trustAdapterContext;
        this.budget = budget;
        this.inflightWaitNanos = limits.inflightWait().toNanos();
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        boolean http1 = request.getConnectionMetaData().getHttpVersion().getVersion() < 20;
        GuardedEndPoint endPoint = request.getConnectionMetaData().getConnection().getEndPoint()
                instanceof GuardedEndPoint g ? g : null;
        if (endPoint != null) {
            endPoint.requestStarted(http1);
        }
        Callback done = endPoint == null || !http1 ? callback : Callback.from(endPoint::requestEnded, callback);
        Body body = new Body();
        try {
            serve(request, response, done, http1, endPoint, body);
        } catch (Throwable unexpected) {
            LOG.warn("serving {} {} failed", request.getMethod(), safePath(request.getHttpURI().getPath()), unexpected);
            done.failed(unexpected);
        } finally {
            budget.release(body.reserved);
        }
        return true;
    }

    /** Bytes of this request's body reserved in the budget (given back when the exchange is over). */
    private static final class Body {
        long reserved;
    }

    private void serve(Request request, Response response, Callback callback, boolean http1,
                       GuardedEndPoint endPoint, Body held) throws IOException {
        // The idle timeout is for a read or write the client does not complete (Jetty fails those itself); a request
        // waiting for its provider is not idle
        request.addIdleTimeoutListener(timeout -> false);
        String method = request.getMethod();
        String rawPath = request.getHttpURI().getPath();
        Headers headers = headersOf(request);
        GatewayException badHeader = badHeader(headers);
        if (badHeader != null) {
            // HTTP/1 never gets here (Jetty's parser refuses such lines, see JsonErrors); HTTP/2 frames carry values
            // as bytes, so the gateway's own rule is applied to them (the same one HeaderPolicy applies upstream)
            refuse(request, response, callback, http1, ErrorShape.CLOUDFLARE.response(badHeader));
            return;
        }
        String clientIp = GatewayHttpServer.clientIp(
                inet(request.getConnectionMetaData().getRemoteSocketAddress()), headers, trustAdapterContext);
        Runnable control = "POST".equals(method) ? controlRoutes.get(rawPath) : null;

        long declared = request.getLength();
        if (declared > maxRequestBytes || declared > Integer.MAX_VALUE - 8) {
            // refused on its headers: the body is never read
            refuse(request, response, callback, http1, reject(method, rawPath, request, headers, clientIp));
            return;
        }
        byte[] bytes;
        try {
            bytes = readBody(request, declared, held);
        } catch (TooLarge e) {
            refuse(request, response, callback, http1, reject(method, rawPath, request, headers, clientIp));
            return;
        } catch (Busy e) {
            refuse(request, response, callback, http1, busy());
            return;
        } catch (IOException | RuntimeException clientGone) {
            callback.failed(clientGone); // the client went away (or broke the framing) while sending: nothing to answer
            return;
        }
        if (control != null) {
            control(rawPath, control, response, callback);
            return;
        }
        GatewayRequest gatewayRequest = GatewayRequest.of(method, rawPath, request.getHttpURI().getQuery(), headers,
                bytes, clientIp);

        ClientLink client = new ClientLink();
        boolean watched = http1 && endPoint != null && endPoint.watch(client::left);
        if (!http1) {
            request.addFailureListener(failure -> client.left());
        }
        GatewayResponse answer;
        try {
            answer = client.during(() -> gateway.handle(gatewayRequest));
        } finally {
            if (watched) {
                endPoint.unwatch();
            }
        }
        if (client.hasLeft()) {
            // nobody to answer; a streamed body still ends (and records) exactly once
            if (answer.body() instanceof ResponseBody.Stream stream) {
                stream.abort();
            }
            if (watched) {
                endPoint.close(); // (a client that only half-closed gets no error page either)
            }
            callback.failed(new EofException("the client left before the answer"));
            return;
        }
        write(request, response, callback, answer, false, http1, endPoint);
    }

    // ---- request body ----

    /** The body passed the size limit while it was read (it had no declared length). */
    private static final class TooLarge extends Exception {
        TooLarge() {
            super(null, null, false, false);
        }
    }

    /** The body did not fit in the in-flight budget in time. */
    private static final class Busy extends Exception {
        Busy() {
            super(null, null, false, false);
        }
    }

    private byte[] readBody(Request request, long declared, Body held) throws IOException, TooLarge, Busy {
        if (declared == 0) {
            return new byte[0];
        }
        InputStream in = Content.Source.asInputStream(request);
        if (declared > 0) {
            reserve(held, declared);
            byte[] body = new byte[(int) declared];
            int n = in.readNBytes(body, 0, body.length);
            if (n < body.length) {
                throw new EofException("early EOF: " + n + " of " + declared + " bytes");
            }
            return body;
        }
        // no declared length (chunked, or HTTP/2 without content-length): grow in steps, each reserved first
        int first = in.read();
        if (first < 0) {
            return new byte[0]; // most such requests (GET) have no body: allocate nothing
        }
        reserve(held, STEP);
        byte[] body = new byte[STEP];
        body[0] = (byte) first;
        int size = 1;
        while (true) {
            if (size == body.length) {
                if (size > maxRequestBytes) {
                    throw new TooLarge();
                }
                int grown = (int) Math.min(Math.max(STEP, (long) body.length * 2), maxRequestBytes + 1);
                reserve(held, grown);
                body = Arrays.copyOf(body, grown);
                held.reserved -= size; // the old array is garbage now
                budget.release(size);
            }
            int n = in.read(body, size, body.length - size);
            if (n < 0) {
                break;
            }
            size += n;
            if (size > maxRequestBytes) {
                throw new TooLarge();
            }
        }
        if (size == body.length) {
            return body;
        }
        reserve(held, size);
        byte[] exact = Arrays.copyOf(body, size);
        held.reserved -= body.length;
        budget.release(body.length);
        return exact;
    }

    private void reserve(Body held, long bytes) throws Busy, InterruptedIOException {
        try {
            if (!budget.reserve(bytes, inflightWaitNanos)) {
                throw new Busy();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for room for a request body");
        }
        held.reserved += bytes;
    }

    private GatewayResponse reject(String method, String rawPath, Request request, Headers headers, String clientIp) {
        // the 413 is logged like any refused request (without the body, which was not kept)
        return gateway.reject(GatewayRequest.of(method, rawPath, request.getHttpURI().getQuery(), headers,
                new byte[0], clientIp), Gateway.tooLarge(maxRequestBytes));
    }

    /** A busy server's answer, in the gateway's own error shape (whatever the route's provider). */
    private static GatewayResponse busy() {
        return Errors.response(ErrorCode.REQUEST_BODIES_FULL, "The gateway holds too many request bodies at once"
                        + " (GATEWAY_MAX_INFLIGHT_BODY_MB); retry shortly.",
                Headers.builder().add(ErrorShape.CODE_HEADER, Integer.toString(ErrorCode.REQUEST_BODIES_FULL.code()))
                        .add("retry-after", "1").build());
    }

    /** Answers without (all of) the body read: on HTTP/1 the connection then closes, so the rest is never read. */
    private void refuse(Request request, Response response, Callback callback, boolean http1, GatewayResponse answer) {
        write(request, response, callback, answer, true, http1, null);
    }

    private static void control(String path, Runnable action, Response response, Callback callback) {
        int status = 204;
        try {
            action.run();
        } catch (RuntimeException e) {
            LOG.warn("control route {} failed: {}", path, e.toString());
            status = 500;
        }
        response.setStatus(status);
        callback.succeeded();
    }

    // ---- response ----

    private static void write(Request request, Response response, Callback callback, GatewayResponse answer,
                              boolean close, boolean http1, GuardedEndPoint endPoint) {
        response.setStatus(answer.status());
        HttpFields.Mutable out = response.getHeaders();
        boolean[] dated = {false};
        answer.headers().forEach((name, value) -> {
            String lower = name.toLowerCase(Locale.ROOT);
            if ("date".equals(lower)) {
                if (!dated[0]) { // the answer's own Date (the provider's) replaces the one Jetty put: one Date
                    dated[0] = true;
                    out.put(HttpHeader.DATE, value);
                }
            } else if (!FRAMING.contains(lower)) {
                out.add(name, value);
            }
        });
        if (close && http1) {
            out.put(HttpHeader.CONNECTION, "close");
        }
        boolean noBody = "HEAD".equals(request.getMethod()) || answer.status() == 204 || answer.status() == 304;
        switch (answer.body()) {
            case ResponseBody.Bytes bytes -> {
                if (noBody) {
                    callback.succeeded();
                    return;
                }
                out.put(HttpHeader.CONTENT_LENGTH, bytes.data().length);
                try (Blocker.Callback written = Blocker.callback()) {
                    response.write(true, ByteBuffer.wrap(bytes.data()), written);
                    written.block();
                } catch (IOException clientGone) {
                    callback.failed(clientGone); // nothing to tell: the record is already written
                    return;
                }
                callback.succeeded();
            }
            case ResponseBody.Stream stream -> {
                long length = stream.length();
                if (length >= 0 && !noBody) {
                    out.put(HttpHeader.CONTENT_LENGTH, length);
                }
                GuardedEndPoint chunked = http1 && length < 0 && !noBody ? endPoint : null;
                if (chunked != null) {
                    chunked.wholeChunks(true);
                }
                try {
                    stream.writeTo(new ResponseSink(response, chunked));
                } catch (IOException | RuntimeException broken) {
                    // Either side broke mid-body: end the connection without the final chunk (HTTP/2: reset the
                    // stream), so the client sees a truncated response rather than a complete-looking one.
                    callback.failed(broken);
                    return;
                }
                callback.succeeded();
            }
        }
    }

    /**
     * Each chunk goes straight to the connection (no aggregation: an SSE event must not wait), and the write blocks
     * until the connection accepted it, so the provider's read loop advances no faster than the client reads. The
     * caller's buffer is wrapped, not copied: it is reused only after the write completed.
     */
    private static final class ResponseSink implements ChunkSink {
        private final Response response;
        private final GuardedEndPoint chunked;

        /** @param chunked the connection, when the body goes out in HTTP/1.1 chunks (see GuardedEndPoint#wholeChunks) */
        ResponseSink(Response response, GuardedEndPoint chunked) {
            this.response = response;
            this.chunked = chunked;
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            if (length == 0) {
                return;
            }
            ByteBuffer data = ByteBuffer.wrap(bytes, offset, length);
            if (chunked != null) {
                chunked.chunkData(data);
            }
            try (Blocker.Callback written = Blocker.callback()) {
                response.write(false, data, written);
                written.block();
            }
        }

        @Override
        public void flush() {
            // every write is already on its way
        }
    }

    // ---- helpers ----

    private static Headers headersOf(Request request) {
        Headers.Builder b = Headers.builder();
        for (HttpField field : request.getHeaders()) {
            b.add(field.getName(), field.getValue());
        }
        return b.build();
    }

    /** A header a client could smuggle a second header through (CR, LF or NUL in it), or a name that is no token. */
    static GatewayException badHeader(Headers headers) {
        GatewayException[] bad = {null};
        headers.forEach((name, value) -> {
            if (bad[0] == null && (!Headers.isToken(name) || !Headers.isSafeValue(value))) {
                bad[0] = new GatewayException(ErrorCode.BAD_HEADER, "Header '" + Headers.printable(name)
                        + "' is not a valid HTTP field (a token name, a value on one line without CR, LF or NUL).");
            }
        });
        return bad[0];
    }

    private static InetSocketAddress inet(SocketAddress address) {
        return address instanceof InetSocketAddress inet ? inet : null;
    }

    private static String safePath(String path) {
        return path == null ? "" : path.length() > 120 ? path.substring(0, 120) : path;
    }

    /**
     * Jetty's own refusals (a malformed request line or header, a bare CR, headers too large, an unknown protocol)
     * in the gateway's JSON error shape instead of Jetty's HTML page.
     */
    static final class JsonErrors implements Request.Handler {
        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            int status = response.getStatus();
            if (request.getAttribute(ErrorHandler.ERROR_STATUS) instanceof Integer s) {
                status = s;
            }
            if (status < 400) {
                status = 400;
            }
            Object message = request.getAttribute(ErrorHandler.ERROR_MESSAGE);
            ErrorCode code = status == 431 || (status == 400 && aboutHeaders(message)) ? ErrorCode.BAD_HEADER
                    : status >= 500 ? ErrorCode.INTERNAL : ErrorCode.BAD_REQUEST;
            String text = status >= 500 ? "The gateway failed unexpectedly; the failure was logged."
                    : code == ErrorCode.BAD_HEADER ? "The request's headers are malformed (each header line must end"
                    + " in CRLF, with no CR, LF or NUL inside it, and the headers must fit in 64 KB)"
                    + (message == null ? "." : ": " + message + ".")
                    : "The request is malformed" + (message == null ? "." : ": " + message + ".");
            byte[] body = Errors.body(code, text);
            response.setStatus(status);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
            response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
            response.write(true, ByteBuffer.wrap(body), callback);
            return true;
        }

        /** Jetty's parser messages for a header line broken by a bare CR or LF, a NUL or another control character. */
        private static boolean aboutHeaders(Object message) {
            String m = message == null ? "" : message.toString().toLowerCase(Locale.ROOT);
            return m.contains("eol") || m.contains("line terminator") || m.contains("cntl") || m.contains("header");
        }
    }
}

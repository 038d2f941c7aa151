package io.aigateway.extension;

import io.aigateway.core.ChunkSink;
import io.aigateway.core.ErrorCode;
import io.aigateway.core.GatewayException;
import io.aigateway.core.GatewayResponse;
import io.aigateway.core.Headers;
import io.aigateway.core.ResponseBody;
import io.aigateway.pipeline.Interceptor;
import io.aigateway.pipeline.ProxyRequest;
import io.aigateway.pipeline.RequestContext;
import io.aigateway.plugin.PluginRequest;
import io.aigateway.plugin.PluginResponse;
import io.aigateway.plugin.PluginRunner;
import io.aigateway.plugin.PluginRunners;
import io.aigateway.plugin.ResponseOutcome;
import io.aigateway.plugin.StreamedOutcome;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Map;

/**
 * The answer phase of a gateway's plug-ins ({@code at: after_response}) and hooks ({@code on: response|both}), after
 * the cache step and before the provider call, so it sees every provider answer and a blocked or flagged answer is
 * never stored (cache hits were checked when they were stored).
 * <ul>
 *   <li>A whole (not streamed) answer is read first, then the phase may block it (403, code 2043), change its body
 *       or add headers.</li>
 *   <li>A streamed answer goes to the client as it comes; the phase runs once at its end, on what was captured (at
 *       most {@value #STREAM_CAPTURE_BYTES} bytes), before the stream's final chunk: it can flag the answer (not
 *       stored, noted in the log) but not recall bytes already sent, and a hook can delay the stream's end by at
 *       most its {@code timeout_ms}.</li>
 * </ul>
 */
public final class PluginResponseStep implements Interceptor {
    static final int STREAM_CAPTURE_BYTES = 1024 * 1024;
    /** A whole answer larger than this is not read into memory for plug-ins: 502, as the buffered transport does. */
    static final int MAX_WHOLE_ANSWER_BYTES = 32 * 1024 * 1024;

    private final PluginRunners runners;

    public PluginResponseStep(PluginRunners runners) {
        this.runners = runners;
    }

    @Override
    public GatewayResponse intercept(Chain chain) {
        RequestContext ctx = chain.context();
        ProxyRequest request = chain.request();
        PluginRunner runner = PluginRequestStep.runnerFor(runners, ctx.settings());
        GatewayResponse response = chain.proceed(request);
        if (!runner.runsOnResponse() || request.route() == null || ctx.gatewayId() == null) {
            return response;
        }
        PluginRequest view = PluginRequestStep.view(ctx, request);
        if (response.body() instanceof ResponseBody.Stream stream && streamed(request, response.headers())) {
            return response.withBody(new ObservedStream(stream, runner, view, response, ctx), response.recorded());
        }
        byte[] body = whole(response.body());
        ResponseOutcome outcome = runner.onResponse(PluginResponse.buffered(view, response.status(),
                response.headers(), body));
        ctx.annotate(outcome.annotations());
        return switch (outcome) {
            case ResponseOutcome.Blocked blocked -> {
                ctx.blockedBy(blocked.by());
                ctx.cache().refuseStore("blocked_by_" + blocked.by());
                throw new GatewayException(ErrorCode.PLUGIN_BLOCKED, blocked.clientMessage());
            }
            case ResponseOutcome.Proceed proceed -> new GatewayResponse(response.status(),
                    proceed.edits().applyTo(response.headers()), new ResponseBody.Bytes(proceed.edits().bodyOr(body)),
                    response.recorded());
        };
    }

    private static boolean streamed(ProxyRequest request, Headers headers) {
        String type = headers.firstOrNull("content-type");
        return request.stream() || (type != null && (type.contains("event-stream") || type.contains("eventstream")
                || type.contains("ndjson") || type.contains("stream+json")));
    }

    private static byte[] whole(ResponseBody body) {
        return switch (body) {
            case ResponseBody.Bytes bytes -> bytes.data();
            case ResponseBody.Stream stream -> {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                try {
                    stream.writeTo(new ChunkSink() {
                        @Override
                        public void write(byte[] bytes, int offset, int length) throws IOException {
                            if (out.size() + length > MAX_WHOLE_ANSWER_BYTES) {
                                throw new ResponseBody.TooLarge("answer larger than " + MAX_WHOLE_ANSWER_BYTES
                                        + " bytes for the gateway's response plug-ins and hooks");
                            }
                            out.write(bytes, offset, length);
                        }

                        @Override
                        public void flush() {
                        }
                    });
                } catch (IOException e) {
                    stream.abort();
                    throw new GatewayException(ErrorCode.UPSTREAM_UNREACHABLE,
                            "The provider's answer could not be read whole for the gateway's response hooks: "
                                    + e.getMessage());
                }
                yield out.toByteArray();
            }
        };
    }

    /** Passes a streamed answer through, keeping its first bytes, and runs the answer phase when it ends. */
    private static final class ObservedStream implements ResponseBody.Stream {
        private final ResponseBody.Stream body;
        private final PluginRunner runner;
        private final PluginRequest view;
        private final GatewayResponse response;
        private final RequestContext ctx;

        ObservedStream(ResponseBody.Stream body, PluginRunner runner, PluginRequest view, GatewayResponse response,
                       RequestContext ctx) {
            this.body = body;
            this.runner = runner;
            this.view = view;
            this.response = response;
            this.ctx = ctx;
        }

        @Override
        public long length() {
            return body.length();
        }

        @Override
        public void writeTo(ChunkSink sink) throws IOException {
            ByteArrayOutputStream captured = new ByteArrayOutputStream();
            boolean[] truncated = {false};
            body.writeTo(new ChunkSink() {
                @Override
                public void write(byte[] bytes, int offset, int length) throws IOException {
                    int room = STREAM_CAPTURE_BYTES - captured.size();
                    if (room > 0) {
                        captured.write(bytes, offset, Math.min(room, length));
                    }
                    truncated[0] |= length > room;
                    sink.write(bytes, offset, length);
                }

                @Override
                public void flush() throws IOException {
                    sink.flush();
                }
            });
            StreamedOutcome outcome = runner.afterStream(PluginResponse.afterStream(view, response.status(),
                    response.headers(), captured.toByteArray(), truncated[0]));
            ctx.annotate(outcome.annotations());
            outcome.flaggedBy().ifPresent(by -> {
                ctx.cache().refuseStore("flagged_by_" + by);
                ctx.annotate(Map.of("flagged_by", by));
            });
        }

        @Override
        public void abort() {
            body.abort();
        }
    }
}

package io.aigateway.extension;

import io.aigateway.config.GatewaySettings;
import io.aigateway.core.ErrorCode;
import io.aigateway.core.GatewayException;
import io.aigateway.core.GatewayRequest;
import io.aigateway.core.GatewayResponse;
import io.aigateway.pipeline.Interceptor;
import io.aigateway.pipeline.ProxyRequest;
import io.aigateway.pipeline.RequestContext;
import io.aigateway.plugin.PluginBody;
import io.aigateway.plugin.PluginRequest;
import io.aigateway.plugin.PluginRunner;
import io.aigateway.plugin.PluginRunners;
import io.aigateway.plugin.RequestEdits;
import io.aigateway.plugin.RequestOutcome;
import io.aigateway.provider.RequestBodyInfo;

import java.util.Map;

/**
 * The request phase of a gateway's plug-ins ({@code at: before_cache}) and hooks ({@code on: request|both}), before
 * the cache: a block answers 403 (code 2043) naming the plug-in or hook; edits change what the provider is sent (and
 * so the cache key), and the model is read again from an edited body.
 */
public final class PluginRequestStep implements Interceptor {
    private final PluginRunners runners;

    public PluginRequestStep(PluginRunners runners) {
        this.runners = runners;
    }

    @Override
    public GatewayResponse intercept(Chain chain) {
        RequestContext ctx = chain.context();
        ProxyRequest request = chain.request();
        PluginRunner runner = runnerFor(runners, ctx.settings());
        if (!runner.runsOnRequest() || request.route() == null || ctx.gatewayId() == null) {
            return chain.proceed(request);
        }
        RequestOutcome outcome = runner.onRequest(view(ctx, request));
        ctx.annotate(outcome.annotations());
        return switch (outcome) {
            case RequestOutcome.Blocked blocked -> {
                ctx.blockedBy(blocked.by());
                throw new GatewayException(ErrorCode.PLUGIN_BLOCKED, blocked.clientMessage());
            }
            case RequestOutcome.Proceed proceed -> chain.proceed(edited(request, proceed.edits()));
        };
    }

    static PluginRunner runnerFor(PluginRunners runners, GatewaySettings settings) {
        return settings == null || (settings.plugins().isEmpty() && settings.hooks().isEmpty())
                ? PluginRunner.none() : runners.runner(settings.plugins(), settings.hooks());
    }

    /** What plug-ins and hooks see of a request (credentials are removed by {@link PluginRequest} itself). */
    static PluginRequest view(RequestContext ctx, ProxyRequest request) {
        GatewayRequest http = request.http();
        String type = http.headers().firstOrNull("content-type");
        Map<String, Object> metadata = ctx.options() == null ? Map.of() : ctx.options().metadata();
        return new PluginRequest(ctx.gatewayId(), request.provider(), request.model(), http.method(),
                request.route().restPath(), http.headers(), PluginBody.of(http.body(), type), metadata);
    }

    private static ProxyRequest edited(ProxyRequest request, RequestEdits edits) {
        if (edits.isEmpty()) {
            return request;
        }
        GatewayRequest h = request.http();
        byte[] body = edits.bodyOr(h.body());
        GatewayRequest http = new GatewayRequest(h.method(), h.rawPath(), h.rawQuery(), edits.applyTo(h.headers()),
                body, h.clientIp(), h.receivedAtMillis(), h.receivedAtNanos());
        if (!edits.bodyChanged()) {
            return request.withHttp(http);
        }
        RequestBodyInfo info = RequestBodyInfo.inspect(body);
        return new ProxyRequest(http, request.route(), info.modelFor(request.route()), info.streamFor(request.route()),
                request.retry());
    }
}

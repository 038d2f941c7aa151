package io.aigateway.compatapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aigateway.compat.CompatModel;
import io.aigateway.compat.UnsupportedParameterException;
import io.aigateway.config.RetryPolicy;
import io.aigateway.core.ErrorCode;
import io.aigateway.core.GatewayException;
import io.aigateway.core.GatewayRequest;
import io.aigateway.core.Json;
import io.aigateway.pipeline.RequestContext;
import io.aigateway.upstream.StepAdapter;

/**
 * Universal-endpoint steps with {@code "provider": "compat"} and {@code "endpoint": "chat/completions"} (or
 * {@code embeddings}): each step's {@code query} is an OpenAI request for its own {@code provider/model}, so a
 * fallback chain across providers answers in one format.
 */
public final class CompatSteps implements StepAdapter {
    private final CompatEndpoint endpoint;

    public CompatSteps(CompatEndpoint endpoint) {
        this.endpoint = endpoint;
    }

    @Override
    public String provider() {
        return CompatEndpoint.SLUG;
    }

    @Override
    public Adapted adapt(RequestContext ex, GatewayRequest step, String path, RetryPolicy retry) {
        CompatEndpoint.Operation op = CompatEndpoint.Operation.of(path);
        JsonNode body;
        try {
            body = Json.MAPPER.readTree(step.body());
        } catch (Exception e) {
            body = null;
        }
        if (!(body instanceof ObjectNode request)) {
            throw new GatewayException(ErrorCode.BAD_REQUEST, "a compat step needs \"query\": an OpenAI request object.");
        }
        try {
            String asked = request.path("model").isTextual() ? request.get("model").asText() : null;
            if (!(CompatModel.parse(ModelNames.resolve(asked, ex.settings())) instanceof CompatModel.ProviderModel pm)) {
                throw new UnsupportedParameterException("model", null, "a universal step takes {provider}/{model};"
                        + " call a dynamic route on /compat/chat/completions itself");
            }
            CompatEndpoint.Prepared prepared = endpoint.prepare(ex, step, op, request, pm,
                    Mount.fromHeaders(step.headers()), retry);
            return new Adapted(prepared.request(), prepared.answer()::translate);
        } catch (UnsupportedParameterException e) {
            throw new GatewayException(ErrorCode.COMPAT_UNSUPPORTED, "unsupported parameter '" + e.param() + "'"
                    + (e.provider() == null ? "" : " (" + e.provider() + ")") + ": " + e.getMessage() + ".");
        }
    }
}

package io.aigateway.guard;

import com.fasterxml.jackson.databind.JsonNode;
import io.aigateway.config.DlpSettings;
import io.aigateway.core.ErrorCode;
import io.aigateway.core.ErrorShape;
import io.aigateway.core.GatewayException;
import io.aigateway.core.GatewayResponse;
import io.aigateway.core.ResponseBody;
import io.aigateway.pipeline.Interceptor;
import io.aigateway.pipeline.RequestContext;

import java.util.List;

/**
 * Data protection on the provider's answer, between the cache and the provider call, so what the cache stores was
 * checked (a blocked answer is never stored; a redacted one is stored redacted) and a hit needs no second check.
 * <ul>
 *   <li>JSON answers are read whole and their string values scanned: BLOCK answers 400, code 2030, in the route's
 *       error shape; REDACT rewrites the values ({@code [REDACTED_US_SSN_1]}); FLAG only reports.</li>
 *   <li>Event streams (OpenAI, Anthropic, Gemini) are scanned as they flow ({@link SseRewriter}): BLOCK ends the
 *       stream with an error event in the provider's format, code 2030 (the log says 400/2030; the client already
 *       has a 200), REDACT rewrites the events.</li>
 *   <li>Other answers (audio, images, Bedrock's binary event stream, NDJSON) pass unchecked.</li>
 * </ul>
 */
public final class DlpResponseStep implements Interceptor {

    @Override
    public GatewayResponse intercept(Chain chain) {
        RequestContext ex = chain.context();
        DlpSettings dlp = ex.settings() == null ? null : ex.settings().dlp();
        List<DlpSettings.Policy> policies = dlp == null ? List.of() : dlp.active(false);
        GatewayResponse response = chain.proceed(chain.request());
        if (policies.isEmpty()) {
            return response;
        }
        ResponseCheck check = new ResponseCheck(dlp, policies, ex.dlp());
        if (Bodies.isEventStream(response) && response.body() instanceof ResponseBody.Stream stream) {
            return response.withBody(new SseRewriter(stream, check, ex, ErrorShape.forProvider(ex.provider())),
                    response.recorded());
        }
        if (!Bodies.isJson(response)) {
            return response;
        }
        byte[] bytes = Bodies.readAll(response.body(), ex);
        JsonNode node = JsonText.parse(bytes);
        if (node != null) {
            try {
                if (JsonText.rewrite(node, check::whole)) {
                    bytes = JsonText.bytes(node);
                }
            } catch (DlpBlock block) {
                throw new GatewayException(ErrorCode.DLP_RESPONSE_BLOCKED, block.getMessage(),
                        DlpHeader.of(ex.dlp()), null);
            }
        }
        return response.withBody(new ResponseBody.Bytes(bytes), response.recorded());
    }
}

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

import io.aigateway.dlp.Finding;
import io.aigateway.dlpengine.ManagedEngines;

import java.util.ArrayList;
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
 * Managed engines a policy names check JSON answers (in parallel with the built-in scan), not streams: they need
 * the whole text, and a stream's first bytes are already out.
 */
public final class DlpResponseStep implements Interceptor {
    private final ManagedEngines engines;

    /** @param engines calls the managed engines policies name, on JSON answers */
    public DlpResponseStep(ManagedEngines engines) {
        this.engines = engines;
    }

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
            // managed engines need the whole text before the first byte: a stream gets the built-in detectors only
            return !check.scansText() ? response : response.withBody(
                    new SseRewriter(stream, check, ex, ErrorShape.forProvider(ex.provider())), response.recorded());
        }
        if (!Bodies.isJson(response)) {
            return response;
        }
        byte[] bytes = Bodies.readAll(response.body(), ex);
        JsonNode node = JsonText.parse(bytes);
        if (node != null) {
            try {
                if (judge(node, dlp, policies, check, ex)) {
                    bytes = JsonText.bytes(node);
                }
            } catch (DlpBlock block) {
                throw new GatewayException(block.code(), block.getMessage(), DlpHeader.of(ex.dlp()), null);
            }
        }
        return response.withBody(new ResponseBody.Bytes(bytes), response.recorded());
    }

    /** Scans a whole JSON answer (engines in parallel with the built-in scan), then judges it text by text. */
    private boolean judge(JsonNode node, DlpSettings dlp, List<DlpSettings.Policy> policies, ResponseCheck check,
                          RequestContext ex) {
        if (dlp.enginesOf(policies).isEmpty()) {
            return JsonText.rewrite(node, check::whole);
        }
        List<String> texts = new ArrayList<>();
        JsonText.rewrite(node, text -> {
            texts.add(text);
            return text;
        });
        EngineChecks managed = EngineChecks.start(engines, dlp, policies, texts, false);
        List<List<Finding>> perText = new ArrayList<>(texts.size());
        for (String text : texts) {
            perText.add(check.scan(text));
        }
        managed.addTo(perText);
        managed.rememberValues(texts, ex.dlp());
        // everything found is recorded before anything is refused, so the log shows all of it
        DlpBlock block = null;
        try {
            check.judgeUnplaced(managed.unplaced()); // only guardrails report findings without a position
        } catch (DlpBlock b) {
            block = b.byGuardrail();
        }
        String failed = managed.failClosed(policies, ex.dlp(), false);
        boolean changed = false;
        int[] next = {0};
        try {
            changed = JsonText.rewrite(node, text -> check.judge(text, perText.get(next[0]++)));
        } catch (DlpBlock b) {
            block = b; // a positioned finding blocks too: DLP's code, not the guardrail's
        }
        if (failed != null) {
            throw new DlpBlock("Response content blocked due to DLP policy violations: " + failed + ".");
        }
        if (block != null) {
            throw block;
        }
        return changed;
    }
}

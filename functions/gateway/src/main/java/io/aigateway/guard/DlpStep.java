package io.aigateway.guard;

import com.fasterxml.jackson.databind.JsonNode;
import io.aigateway.config.DlpSettings;
import io.aigateway.config.DlpSettings.Action;
import io.aigateway.core.ErrorCode;
import io.aigateway.core.ErrorShape;
import io.aigateway.core.GatewayException;
import io.aigateway.core.GatewayResponse;
import io.aigateway.core.ResponseBody;
import io.aigateway.dlp.Finding;
import io.aigateway.dlp.Redactor;
import io.aigateway.dlp.Restorer;
import io.aigateway.dlp.Scanner;
import io.aigateway.dlpengine.ManagedEngines;
import io.aigateway.pipeline.Interceptor;
import io.aigateway.pipeline.ProxyRequest;
import io.aigateway.pipeline.RequestContext;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Data protection on the request, before the cache (so a redacted request has the cache key of what the provider
 * is sent): the string values of a JSON body are scanned with the profiles of the gateway's REQUEST policies.
 * <ul>
 *   <li>FLAG: the request goes on; the {@code cf-aig-dlp} header and the log say what matched.</li>
 *   <li>BLOCK: refused with 400, code 2029, in the route's error shape (and the header).</li>
 *   <li>REDACT: the provider is sent {@code [EMAIL_1]}-style placeholders; where the answer (buffered or streamed,
 *       from the provider or the cache) repeats them, the client gets the original values back, unless a policy
 *       says {@code "restore": false}.</li>
 * </ul>
 * Policies may name managed engines next to profiles ({@link EngineChecks}): they are called in parallel with the
 * built-in scan, each within its timeout; one that fails closed blocks like a BLOCK policy (2029, type
 * {@code engine_error}). Response policies run in {@link DlpResponseStep}, after the cache, so an answer is checked
 * before it is stored and a blocked one never is. The header also reports what that step found in a buffered
 * answer.
 */
public final class DlpStep implements Interceptor {
    private final ManagedEngines engines;

    /** @param engines calls the managed engines policies name (Bedrock Guardrails, Comprehend) */
    public DlpStep(ManagedEngines engines) {
        this.engines = engines;
    }

    @Override
    public GatewayResponse intercept(Chain chain) {
        RequestContext ex = chain.context();
        ProxyRequest request = chain.request();
        DlpSettings dlp = ex.settings() == null ? null : ex.settings().dlp();
        if (dlp == null || !dlp.enabled()) {
            return chain.proceed(request);
        }
        Restorer restorer = null;
        List<DlpSettings.Policy> policies = dlp.active(true);
        JsonNode body = policies.isEmpty() ? null : JsonText.parse(request.http().body());
        if (body != null) {
            List<String> texts = new ArrayList<>();
            JsonText.rewrite(body, text -> {
                texts.add(text);
                return text;
            });
            // managed engines first, on their own threads: the built-in scan below runs while they are out
            EngineChecks managed = EngineChecks.start(engines, dlp, policies, texts, true);
            Scanner scanner = dlp.scanner();
            Set<String> profiles = Verdict.profiles(policies);
            List<List<Finding>> perString = new ArrayList<>(texts.size());
            for (String text : texts) {
                perString.add(profiles.isEmpty() ? List.of() : scanner.scan(text, profiles));
            }
            List<Finding> all = new ArrayList<>();
            if (!managed.isEmpty()) {
                managed.addTo(perString);
                managed.rememberValues(texts, ex.dlp());
                all.addAll(managed.unplaced());
            }
            perString.forEach(all::addAll);
            Verdict verdict = new Verdict(policies, all, true);
            verdict.record(ex.dlp());
            String failed = managed.isEmpty() ? null : managed.failClosed(policies, ex.dlp(), true);
            // the guardrail engines are looked up only for a block
            if (failed == null && verdict.blocks()
                    && verdict.blocksOnlyThrough(EngineChecks.guardrails(dlp, policies))) {
                throw new GatewayException(ErrorCode.GUARDRAIL_REQUEST_BLOCKED, "Request content blocked by a "
                        + "guardrail: " + verdict.blockReason() + ".", DlpHeader.of(ex.dlp()), null);
            }
            if (verdict.blocks() || failed != null) {
                throw new GatewayException(ErrorCode.DLP_REQUEST_BLOCKED, "Request content blocked due to DLP policy "
                        + "violations: " + (verdict.blocks() ? verdict.blockReason() : failed) + ".",
                        DlpHeader.of(ex.dlp()), null);
            }
            if (verdict.action() == Action.REDACT) {
                Redactor redactor = new Redactor();
                Set<String> restorable = new HashSet<>();
                int[] next = {0};
                JsonText.rewrite(body, text -> {
                    List<Finding> redact = new ArrayList<>();
                    for (Finding f : perString.get(next[0]++)) {
                        if (Verdict.actionFor(policies, f) == Action.REDACT) {
                            redact.add(f);
                            if (verdict.restorable(f)) {
                                restorable.add(redactor.placeholder(f.type(), f.valueIn(text)));
                            }
                        }
                    }
                    return redact.isEmpty() ? text : redactor.redact(text, redact).text();
                });
                request = request.withBody(JsonText.bytes(body));
                if (!restorable.isEmpty()) {
                    restorer = new Restorer(redactor.placeholders().only(restorable));
                }
            }
        }
        GatewayResponse response = chain.proceed(request);
        if (restorer != null) {
            response = restore(response, new Restoration(restorer), ex);
        }
        return response.withHeaders(DlpHeader.with(response.headers(), ex.dlp()));
    }

    private static GatewayResponse restore(GatewayResponse response, Restoration restoration, RequestContext ex) {
        if (Bodies.isEventStream(response)) {
            ResponseBody.Stream stream = response.body() instanceof ResponseBody.Stream s ? s
                    : Bodies.stream(((ResponseBody.Bytes) response.body()).data());
            return response.withBody(new SseRewriter(stream, restoration, ex, ErrorShape.forProvider(ex.provider())),
                    response.recorded());
        }
        if (Bodies.isJson(response)) {
            byte[] bytes = Bodies.readAll(response.body(), ex);
            JsonNode node = JsonText.parse(bytes);
            if (node != null && JsonText.rewrite(node, restoration::whole)) {
                bytes = JsonText.bytes(node);
            }
            return response.withBody(new ResponseBody.Bytes(bytes), response.recorded());
        }
        return response;
    }
}

package io.aigateway.guard;

import io.aigateway.config.DlpSettings;
import io.aigateway.config.DlpSettings.Policy;
import io.aigateway.dlp.Confidence;
import io.aigateway.dlp.Finding;
import io.aigateway.dlpengine.EngineResult;
import io.aigateway.dlpengine.EngineSpec;
import io.aigateway.dlpengine.ManagedEngines;
import io.aigateway.pipeline.DlpOutcome;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The managed engines of one side's policies, run over the texts of one body while the built-in detectors scan the
 * same texts, then merged into their findings: an engine's finding carries the engine's id where a built-in one
 * carries its profile, so policies, the {@code cf-aig-dlp} header and the log treat both alike.
 */
final class EngineChecks {
    /** The finding type an engine that failed closed is reported with. */
    static final String ENGINE_ERROR = "engine_error";

    private final ManagedEngines.Pending pending;
    private List<EngineResult> results;

    private EngineChecks(ManagedEngines.Pending pending) {
        this.pending = pending;
    }

    /** The ids of the guardrail engines {@code policies} name: their blocks alone answer 2016 / 2017. */
    static Set<String> guardrails(DlpSettings dlp, List<Policy> policies) {
        Set<String> ids = new java.util.HashSet<>();
        for (EngineSpec e : dlp.enginesOf(policies)) {
            if (e instanceof EngineSpec.Guardrail) {
                ids.add(e.id());
            }
        }
        return ids;
    }

    /** Starts the engines {@code policies} name (none: nothing starts, nothing is waited for). */
    static EngineChecks start(ManagedEngines engines, DlpSettings dlp, List<Policy> policies, List<String> texts,
                              boolean request) {
        return new EngineChecks(engines.start(dlp.enginesOf(policies), texts, request));
    }

    boolean isEmpty() {
        return pending.isEmpty();
    }

    /** Waits for the engines (each at most its timeout from the start) and adds their placed findings per text. */
    void addTo(List<List<Finding>> perText) {
        for (EngineResult r : results()) {
            if (r instanceof EngineResult.Checked c) {
                for (int i = 0; i < perText.size(); i++) {
                    if (!c.placed().get(i).isEmpty()) {
                        List<Finding> merged = new ArrayList<>(perText.get(i));
                        merged.addAll(c.placed().get(i));
                        perText.set(i, merged);
                    }
                }
            }
        }
    }

    /**
     * What engines found without a position (a guardrail's assessments), as findings with a nominal one-char span:
     * the policies that name such an engine can only FLAG or BLOCK (settings refuse REDACT), so the span is never
     * cut from any text.
     */
    List<Finding> unplaced() {
        List<Finding> out = new ArrayList<>();
        for (EngineResult r : results()) {
            if (r instanceof EngineResult.Checked c) {
                for (EngineResult.Unplaced u : c.unplaced()) {
                    out.add(new Finding(u.type(), c.engine().id(), 0, 1, Confidence.HIGH));
                }
            }
        }
        return out;
    }

    /** Hands the values engines found in {@code texts} to the log mask (the record must not show them either). */
    void rememberValues(List<String> texts, DlpOutcome outcome) {
        for (EngineResult r : results()) {
            if (r instanceof EngineResult.Checked c) {
                for (int i = 0; i < texts.size(); i++) {
                    for (Finding f : c.placed().get(i)) {
                        outcome.engineFound(f.type(), f.valueIn(texts.get(i)));
                    }
                }
                for (EngineResult.Unplaced u : c.unplaced()) {
                    if (u.match() != null) {
                        outcome.engineFound(u.type(), u.match());
                    }
                }
            }
        }
    }

    /**
     * Engines that failed and fail closed: each is recorded as a BLOCK match of type {@value #ENGINE_ERROR} for the
     * policies that name it; the returned reason names them (never a value, never the service's message). Null
     * when none did.
     */
    String failClosed(List<Policy> policies, DlpOutcome outcome, boolean request) {
        List<String> reasons = new ArrayList<>();
        for (EngineResult r : results()) {
            if (r instanceof EngineResult.Failed f && f.engine().onError() == EngineSpec.OnError.BLOCK) {
                List<String> ids = new ArrayList<>();
                for (Policy p : policies) {
                    if (p.engines().contains(f.engine().id())) {
                        ids.add(p.id());
                    }
                }
                outcome.found(ENGINE_ERROR, 1);
                outcome.matched(new DlpOutcome.Match(f.engine().id(), List.of(ENGINE_ERROR), ids,
                        request ? "REQUEST" : "RESPONSE"));
                outcome.acted("BLOCK");
                reasons.add("DLP engine '" + f.engine().id() + "' (" + f.engine().type() + ") could not check it ("
                        + f.reason() + ") and is set to fail closed (on_error: block)");
            }
        }
        return reasons.isEmpty() ? null : String.join("; ", reasons);
    }

    private List<EngineResult> results() {
        if (results == null) {
            results = pending.await();
        }
        return results;
    }
}

package io.aigateway.dlpengine;

import io.aigateway.dlp.Finding;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;
import software.amazon.awssdk.services.bedrockruntime.model.ApplyGuardrailResponse;
import software.amazon.awssdk.services.bedrockruntime.model.GuardrailAction;
import software.amazon.awssdk.services.bedrockruntime.model.GuardrailAssessment;
import software.amazon.awssdk.services.bedrockruntime.model.GuardrailContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.GuardrailContentFilter;
import software.amazon.awssdk.services.bedrockruntime.model.GuardrailContentSource;
import software.amazon.awssdk.services.bedrockruntime.model.GuardrailContextualGroundingFilter;
import software.amazon.awssdk.services.bedrockruntime.model.GuardrailCustomWord;
import software.amazon.awssdk.services.bedrockruntime.model.GuardrailManagedWord;
import software.amazon.awssdk.services.bedrockruntime.model.GuardrailPiiEntityFilter;
import software.amazon.awssdk.services.bedrockruntime.model.GuardrailRegexFilter;
import software.amazon.awssdk.services.bedrockruntime.model.GuardrailTextBlock;
import software.amazon.awssdk.services.bedrockruntime.model.GuardrailTopic;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code ApplyGuardrail}: every text is one content block (source INPUT for a request, OUTPUT for an answer). The
 * assessments become finding types without positions (the API reports matches, not offsets):
 * <ul>
 *   <li>content filters: {@code content_hate}, {@code content_insults}, {@code content_sexual},
 *       {@code content_violence}, {@code content_misconduct}; prompt attacks: {@code prompt_attack}</li>
 *   <li>denied topics: {@code denied_topic}; words: {@code custom_word}, {@code profanity}</li>
 *   <li>sensitive information: the PII type in lower case ({@code email}, {@code us_social_security_number}), and
 *       {@code regex_<name>} for the guardrail's own regexes</li>
 *   <li>contextual grounding: {@code grounding}, {@code relevance}; an intervention nothing above explains:
 *       {@code guardrail_intervened}</li>
 * </ul>
 * An assessment entry counts when the guardrail acted on it (BLOCKED, ANONYMIZED) or reports it detected (a
 * guardrail in detect mode, action NONE), so the gateway's policy decides what happens, not the guardrail's action.
 */
final class GuardrailCaller implements EngineCaller {
    private final BedrockRuntimeClient client;

    GuardrailCaller(AwsAccess access, String region) {
        this.client = access.build(BedrockRuntimeClient.builder(), region, AwsAccess.BEDROCK_ENDPOINT);
    }

    @Override
    public EngineResult.Checked check(EngineSpec spec, List<String> texts, boolean request, long deadlineNanos) {
        EngineSpec.Guardrail g = (EngineSpec.Guardrail) spec;
        List<GuardrailContentBlock> blocks = new ArrayList<>(texts.size());
        for (String t : texts) {
            blocks.add(GuardrailContentBlock.fromText(GuardrailTextBlock.builder().text(t).build()));
        }
        ApplyGuardrailResponse r = client.applyGuardrail(b -> b
                .guardrailIdentifier(g.guardrailId())
                .guardrailVersion(g.guardrailVersion())
                .source(request ? GuardrailContentSource.INPUT : GuardrailContentSource.OUTPUT)
                .content(blocks)
                .overrideConfiguration(o -> o.apiCallTimeout(remaining(deadlineNanos))));
        List<List<Finding>> none = new ArrayList<>(texts.size());
        for (int i = 0; i < texts.size(); i++) {
            none.add(List.of());
        }
        return new EngineResult.Checked(spec, none, types(r));
    }

    static Duration remaining(long deadlineNanos) {
        return Duration.ofNanos(Math.max(1_000_000, deadlineNanos - System.nanoTime()));
    }

    /** One entry per assessed match the guardrail acted on or detected. */
    static List<EngineResult.Unplaced> types(ApplyGuardrailResponse r) {
        List<EngineResult.Unplaced> out = new ArrayList<>();
        for (GuardrailAssessment a : r.assessments()) {
            if (a.topicPolicy() != null) {
                for (GuardrailTopic t : a.topicPolicy().topics()) {
                    if (counts(t.actionAsString(), t.detected())) {
                        out.add(new EngineResult.Unplaced("denied_topic", null));
                    }
                }
            }
            if (a.contentPolicy() != null) {
                for (GuardrailContentFilter f : a.contentPolicy().filters()) {
                    if (counts(f.actionAsString(), f.detected())) {
                        String type = lower(f.typeAsString());
                        out.add(new EngineResult.Unplaced(type.equals("prompt_attack") ? type : "content_" + type, null));
                    }
                }
            }
            if (a.wordPolicy() != null) {
                for (GuardrailCustomWord w : a.wordPolicy().customWords()) {
                    if (counts(w.actionAsString(), w.detected())) {
                        out.add(new EngineResult.Unplaced("custom_word", w.match()));
                    }
                }
                for (GuardrailManagedWord w : a.wordPolicy().managedWordLists()) {
                    if (counts(w.actionAsString(), w.detected())) {
                        out.add(new EngineResult.Unplaced(lower(w.typeAsString()), w.match()));
                    }
                }
            }
            if (a.sensitiveInformationPolicy() != null) {
                for (GuardrailPiiEntityFilter p : a.sensitiveInformationPolicy().piiEntities()) {
                    if (counts(p.actionAsString(), p.detected())) {
                        out.add(new EngineResult.Unplaced(lower(p.typeAsString()), p.match()));
                    }
                }
                for (GuardrailRegexFilter x : a.sensitiveInformationPolicy().regexes()) {
                    if (counts(x.actionAsString(), x.detected())) {
                        out.add(new EngineResult.Unplaced("regex_" + lower(x.name()), x.match()));
                    }
                }
            }
            if (a.contextualGroundingPolicy() != null) {
                for (GuardrailContextualGroundingFilter f : a.contextualGroundingPolicy().filters()) {
                    if (counts(f.actionAsString(), f.detected())) {
                        out.add(new EngineResult.Unplaced(lower(f.typeAsString()), null));
                    }
                }
            }
        }
        if (out.isEmpty() && r.action() == GuardrailAction.GUARDRAIL_INTERVENED) {
            out.add(new EngineResult.Unplaced("guardrail_intervened", null));
        }
        return out;
    }

    private static boolean counts(String action, Boolean detected) {
        return Boolean.TRUE.equals(detected) || (action != null && !action.isEmpty() && !action.equals("NONE"));
    }

    /** A type name as a finding type: lower case, letters, digits and '_' only, at most 64 chars. */
    static String lower(String s) {
        if (s == null || s.isEmpty()) {
            return "unknown";
        }
        StringBuilder b = new StringBuilder(Math.min(s.length(), 64));
        for (char c : s.toLowerCase(Locale.ROOT).toCharArray()) {
            if (b.length() == 64) {
                break;
            }
            b.append((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ? c : '_');
        }
        return b.toString();
    }

    @Override
    public void close() {
        client.close();
    }
}

package io.aigateway.dlpengine;

import io.aigateway.dlp.Confidence;
import io.aigateway.dlp.Finding;
import software.amazon.awssdk.services.comprehend.ComprehendClient;
import software.amazon.awssdk.services.comprehend.model.DetectPiiEntitiesResponse;
import software.amazon.awssdk.services.comprehend.model.PiiEntity;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code DetectPiiEntities}: the texts packed into documents of at most {@link #MAX_BYTES} (the API takes 100 KB),
 * one call per document, in turn, within the engine's deadline. Entities at or above the engine's {@code min_score}
 * and of its {@code entity_types} become findings with positions (Comprehend counts code points; they are turned
 * into char offsets), typed by Comprehend's name in lower case ({@code email}, {@code ssn}, {@code name}), HIGH
 * confidence from a score of 0.95, else MEDIUM.
 */
final class ComprehendCaller implements EngineCaller {
    static final int MAX_BYTES = 100_000 - 64;

    private final ComprehendClient client;

    ComprehendCaller(AwsAccess access, String region) {
        this.client = access.build(ComprehendClient.builder(), region, AwsAccess.COMPREHEND_ENDPOINT);
    }

    @Override
    public EngineResult.Checked check(EngineSpec spec, List<String> texts, boolean request, long deadlineNanos) {
        EngineSpec.ComprehendPii c = (EngineSpec.ComprehendPii) spec;
        List<List<Finding>> placed = new ArrayList<>(texts.size());
        for (int i = 0; i < texts.size(); i++) {
            placed.add(new ArrayList<>());
        }
        for (TextPacking.Doc doc : TextPacking.pack(texts, MAX_BYTES)) {
            DetectPiiEntitiesResponse r = client.detectPiiEntities(b -> b.text(doc.text())
                    .languageCode(c.languageCode())
                    .overrideConfiguration(o -> o.apiCallTimeout(GuardrailCaller.remaining(deadlineNanos))));
            for (PiiEntity e : r.entities()) {
                String type = e.typeAsString();
                if (type == null || e.score() == null || e.beginOffset() == null || e.endOffset() == null
                        || !c.reports(type, e.score())) {
                    continue;
                }
                int[] at = doc.place(e.beginOffset(), e.endOffset());
                if (at != null && at[2] > at[1]) {
                    placed.get(at[0]).add(new Finding(type.toLowerCase(Locale.ROOT), c.id(), at[1], at[2],
                            e.score() >= 0.95 ? Confidence.HIGH : Confidence.MEDIUM));
                }
            }
        }
        return new EngineResult.Checked(spec, placed, List.of());
    }

    @Override
    public void close() {
        client.close();
    }
}

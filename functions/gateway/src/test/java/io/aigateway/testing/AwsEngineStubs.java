package io.aigateway.testing;

import java.util.List;
import java.util.Map;

/**
 * Loopback stand-ins for Amazon Bedrock's {@code ApplyGuardrail} and Amazon Comprehend's {@code DetectPiiEntities}:
 * two {@link StubUpstream}s answering the services' JSON (shapes from the API references), reached through the
 * gateway's endpoint overrides. Fake credentials, distinctive enough to search for in anything the gateway emits.
 */
public final class AwsEngineStubs implements AutoCloseable {
    public static final String ACCESS_KEY_ID = "AKIAFAKEDLPENGINES01";
    public static final String SECRET_KEY = "fakeDlpEngineSecretKey0123456789abcdefXYZ";
    public static final String GUARDRAIL_ID = "gr1abc2def3";
    public static final String GUARDRAIL_PATH = "/guardrail/" + GUARDRAIL_ID + "/version/1/apply";
    /** What a failing stub says: the gateway must never repeat it. */
    public static final String SERVICE_MESSAGE = "stub-internal-detail-do-not-repeat";

    public final StubUpstream bedrock = new StubUpstream();
    public final StubUpstream comprehend = new StubUpstream();

    /** The gateway's process settings that point the engines here, with the fake credentials. */
    public Map<String, String> env() {
        return Map.of("GATEWAY_DLP_BEDROCK_ENDPOINT", bedrock.baseUri().toString(),
                "GATEWAY_DLP_COMPREHEND_ENDPOINT", comprehend.baseUri().toString(),
                "AWS_ACCESS_KEY_ID", ACCESS_KEY_ID, "AWS_SECRET_ACCESS_KEY", SECRET_KEY, "AWS_REGION", "us-east-1");
    }

    /** An ApplyGuardrail answer: the guardrail intervened, with these assessment entries (JSON objects). */
    public static String intervened(String contentFilters, String topics, String piiEntities) {
        return "{\"usage\":{\"topicPolicyUnits\":1,\"contentPolicyUnits\":1,\"wordPolicyUnits\":1,"
                + "\"sensitiveInformationPolicyUnits\":1,\"sensitiveInformationPolicyFreeUnits\":0,"
                + "\"contextualGroundingPolicyUnits\":0},"
                + "\"action\":\"GUARDRAIL_INTERVENED\",\"actionReason\":\"Guardrail blocked.\","
                + "\"outputs\":[{\"text\":\"Sorry, the model cannot answer this question.\"}],"
                + "\"assessments\":[{"
                + "\"contentPolicy\":{\"filters\":[" + contentFilters + "]},"
                + "\"topicPolicy\":{\"topics\":[" + topics + "]},"
                + "\"sensitiveInformationPolicy\":{\"piiEntities\":[" + piiEntities + "],\"regexes\":[]},"
                + "\"invocationMetrics\":{\"guardrailProcessingLatency\":120,\"usage\":{\"topicPolicyUnits\":1},"
                + "\"guardrailCoverage\":{\"textCharacters\":{\"guarded\":40,\"total\":40}}}}]}";
    }

    public static final String PROMPT_ATTACK = "{\"type\":\"PROMPT_ATTACK\",\"confidence\":\"HIGH\","
            + "\"filterStrength\":\"HIGH\",\"action\":\"BLOCKED\",\"detected\":true}";
    public static final String DENIED_TOPIC = "{\"name\":\"Investment advice\",\"type\":\"DENY\","
            + "\"action\":\"BLOCKED\",\"detected\":true}";
    /** A content filter that scored but did not act: not a finding. */
    public static final String HATE_NONE = "{\"type\":\"HATE\",\"confidence\":\"NONE\",\"filterStrength\":\"HIGH\","
            + "\"action\":\"NONE\",\"detected\":false}";

    /** ApplyGuardrail: nothing to report. */
    public static final String GUARDRAIL_NONE = "{\"usage\":{\"topicPolicyUnits\":1,\"contentPolicyUnits\":1},"
            + "\"action\":\"NONE\",\"outputs\":[],\"assessments\":[{}]}";

    /** DetectPiiEntities: {@code entities} as [type, score, begin, end] rows (code point offsets). */
    public static String entities(List<Object[]> entities) {
        StringBuilder b = new StringBuilder("{\"Entities\":[");
        for (int i = 0; i < entities.size(); i++) {
            Object[] e = entities.get(i);
            if (i > 0) {
                b.append(',');
            }
            b.append("{\"Score\":").append(e[1]).append(",\"Type\":\"").append(e[0]).append("\",\"BeginOffset\":")
                    .append(e[2]).append(",\"EndOffset\":").append(e[3]).append('}');
        }
        return b.append("]}").toString();
    }

    /** An AWS JSON error, as both services shape one. */
    public static StubUpstream.Reply error(int status, String type) {
        return StubUpstream.json(status, "{\"__type\":\"" + type + "\",\"message\":\"" + SERVICE_MESSAGE + "\"}",
                Map.of("x-amzn-ErrorType", type, "x-amzn-RequestId", "req-" + SERVICE_MESSAGE));
    }

    @Override
    public void close() {
        bedrock.close();
        comprehend.close();
    }
}

package io.aigateway.dlpengine;

import io.aigateway.dlp.Finding;
import io.aigateway.testing.AwsEngineStubs;
import io.aigateway.testing.StubUpstream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.services.comprehend.model.PiiEntityType;

import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static io.aigateway.testing.AwsEngineStubs.GUARDRAIL_PATH;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The engines' SDK clients against loopback stubs of the two services, without the rest of the gateway. */
class ManagedEnginesTest {
    private AwsEngineStubs aws;
    private ManagedEngines engines;

    @BeforeEach
    void start() {
        aws = new AwsEngineStubs();
        engines = ManagedEngines.aws(aws.env(), null, () -> AwsCredentialsIdentity.create(
                AwsEngineStubs.ACCESS_KEY_ID, AwsEngineStubs.SECRET_KEY));
    }

    @AfterEach
    void stop() {
        engines.close();
        aws.close();
    }

    private static EngineSpec.Guardrail guardrail(int timeoutMs) {
        return new EngineSpec.Guardrail("guard", AwsEngineStubs.GUARDRAIL_ID, "1", null, timeoutMs,
                EngineSpec.OnError.ALLOW);
    }

    private static EngineSpec.ComprehendPii comprehend(Set<String> types) {
        return new EngineSpec.ComprehendPii("pii", "en", 0.8, types, null, 1000, EngineSpec.OnError.BLOCK);
    }

    @Test
    void guardrailAssessmentsBecomeFindingTypesAndQuotedMatchesAreKeptForTheLogMask() {
        aws.bedrock.on(GUARDRAIL_PATH, StubUpstream.json(200, AwsEngineStubs.intervened(
                AwsEngineStubs.PROMPT_ATTACK + "," + AwsEngineStubs.HATE_NONE, AwsEngineStubs.DENIED_TOPIC,
                "{\"match\":\"jane@example.com\",\"type\":\"EMAIL\",\"action\":\"ANONYMIZED\",\"detected\":true},"
                        + "{\"match\":\"555-0100\",\"type\":\"PHONE\",\"action\":\"NONE\",\"detected\":true}")));
        List<EngineResult> results = engines.start(List.of(guardrail(1000)), List.of("a", "b"), false).await();
        EngineResult.Checked c = assertInstanceOf(EngineResult.Checked.class, results.get(0));
        assertEquals(List.of("denied_topic", "prompt_attack", "email", "phone"),
                c.unplaced().stream().map(EngineResult.Unplaced::type).toList(), "detect-mode PHONE counts too");
        assertEquals("jane@example.com", c.unplaced().get(2).match());
        assertEquals(2, c.placed().size());
        assertTrue(c.placed().stream().allMatch(List::isEmpty));
        assertFalse(c.unplaced().toString().contains("jane"), "toString never shows a match");
    }

    @Test
    void anInterventionWithoutAnyAssessmentIsStillAFinding() {
        aws.bedrock.on(GUARDRAIL_PATH, StubUpstream.json(200,
                "{\"action\":\"GUARDRAIL_INTERVENED\",\"outputs\":[{\"text\":\"no\"}],\"assessments\":[{}]}"));
        EngineResult r = engines.start(List.of(guardrail(1000)), List.of("x"), true).await().get(0);
        assertEquals(List.of("guardrail_intervened"), ((EngineResult.Checked) r).unplaced().stream()
                .map(EngineResult.Unplaced::type).toList());
        aws.bedrock.on(GUARDRAIL_PATH, StubUpstream.json(200, AwsEngineStubs.GUARDRAIL_NONE));
        r = engines.start(List.of(guardrail(1000)), List.of("x"), true).await().get(0);
        assertEquals(List.of(), ((EngineResult.Checked) r).unplaced());
    }

    @Test
    void comprehendEntitiesBecomePlacedFindingsFilteredByTypeAndScore() {
        // "hi Jane\n\nmail a@b.co": NAME at 3-7 (text 0), EMAIL at 14-20 (text 1, 5-11), a weak PHONE
        aws.comprehend.on("/", StubUpstream.json(200, AwsEngineStubs.entities(List.of(
                new Object[]{"NAME", 0.99, 3, 7}, new Object[]{"EMAIL", 0.97, 14, 20},
                new Object[]{"PHONE", 0.5, 0, 2}))));
        List<EngineResult> results = engines.start(List.of(comprehend(Set.of())), List.of("hi Jane", "mail a@b.co"),
                true).await();
        EngineResult.Checked c = assertInstanceOf(EngineResult.Checked.class, results.get(0));
        Finding name = c.placed().get(0).get(0);
        assertEquals("name", name.type());
        assertEquals("pii", name.profile());
        assertEquals("Jane", name.valueIn("hi Jane"));
        assertEquals("a@b.co", c.placed().get(1).get(0).valueIn("mail a@b.co"));
        assertEquals(1, c.placed().get(1).size(), "the PHONE scored below min_score");

        results = engines.start(List.of(comprehend(Set.of("EMAIL"))), List.of("hi Jane", "mail a@b.co"), true)
                .await();
        c = (EngineResult.Checked) results.get(0);
        assertTrue(c.placed().get(0).isEmpty(), "entity_types [EMAIL] leaves NAME out");
        assertEquals(1, c.placed().get(1).size());
    }

    @Test
    void theFirstCallOfAClientGetsAGraceAndLaterOnesTheirTimeout() {
        // a cold SDK client loads much of its request path on its first call: 3 s more, once per client
        aws.bedrock.on(GUARDRAIL_PATH, StubUpstream.slow(500, StubUpstream.json(200, AwsEngineStubs.GUARDRAIL_NONE)));
        EngineResult first = engines.start(List.of(guardrail(150)), List.of("x"), true).await().get(0);
        assertInstanceOf(EngineResult.Checked.class, first, first.toString());
        EngineResult second = engines.start(List.of(guardrail(150)), List.of("x"), true).await().get(0);
        assertEquals("timed out after 150 ms", assertInstanceOf(EngineResult.Failed.class, second).reason());
    }

    /** One quick call, so the client is past its first-call grace. */
    private void warm() {
        aws.bedrock.on(GUARDRAIL_PATH, StubUpstream.json(200, AwsEngineStubs.GUARDRAIL_NONE));
        aws.comprehend.on("/", StubUpstream.json(200, AwsEngineStubs.entities(List.of())));
        engines.start(List.of(guardrail(1000), comprehend(Set.of())), List.of("x"), true).await();
    }

    @Test
    void timeoutsAndServiceErrorsAreFailuresWithSafeReasons() {
        warm();
        aws.bedrock.on(GUARDRAIL_PATH, StubUpstream.slow(2_000, StubUpstream.json(200, AwsEngineStubs.GUARDRAIL_NONE)));
        aws.comprehend.on("/", AwsEngineStubs.error(400, "TextSizeLimitExceededException"));
        long t0 = System.nanoTime();
        List<EngineResult> results = engines.start(List.of(guardrail(150), comprehend(Set.of())), List.of("x"),
                true).await();
        long waitedMs = (System.nanoTime() - t0) / 1_000_000;
        assertEquals("timed out after 150 ms", ((EngineResult.Failed) results.get(0)).reason());
        assertTrue(waitedMs < 1_500, "the 2 s stub was not waited for: " + waitedMs + " ms");
        String reason = ((EngineResult.Failed) results.get(1)).reason();
        assertEquals("HTTP 400 (TextSizeLimitExceededException)", reason);
        assertFalse(reason.contains(AwsEngineStubs.SERVICE_MESSAGE));
    }

    @Test
    void anUnreachableEngineIsAFailureToo() {
        aws.comprehend.close();
        EngineResult r = engines.start(List.of(comprehend(Set.of())), List.of("x"), true).await().get(0);
        String reason = assertInstanceOf(EngineResult.Failed.class, r).reason();
        assertTrue(reason.startsWith("unreachable (") || reason.startsWith("timed out"), reason);
    }

    @Test
    void nothingIsCalledWithoutEnginesOrTexts() {
        assertTrue(engines.start(List.of(), List.of("x"), true).isEmpty());
        assertTrue(engines.start(List.of(guardrail(100)), List.of(), true).isEmpty());
        assertEquals(0, aws.bedrock.calls.get());
    }

    @Test
    void theEntityTypesTheSettingAcceptsAreTheSdksReportableOnes() {
        Set<String> sdk = new TreeSet<>();
        Arrays.stream(PiiEntityType.values()).map(PiiEntityType::toString)
                .filter(t -> !t.equals("ALL") && !t.equals("null")).forEach(sdk::add);
        sdk.remove(PiiEntityType.UNKNOWN_TO_SDK_VERSION.toString());
        assertEquals(sdk, new TreeSet<>(EngineSpec.ComprehendPii.ENTITY_TYPES));
    }
}

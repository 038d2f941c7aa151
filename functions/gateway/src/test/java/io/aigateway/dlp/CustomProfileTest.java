package io.aigateway.dlp;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CustomProfileTest {
    private static ProfileDefinition.PatternRule rule(String name, String regex, String validator) {
        return new ProfileDefinition.PatternRule(name, regex, validator);
    }

    @Test
    void regexesWithValidatorsAndWordLists() {
        CustomProfile acme = DlpProfiles.compile(new ProfileDefinition("acme",
                List.of(rule("employee_id", "EMP-[0-9]{6}", null), rule("acct_card", "CARD:([0-9]{16})", "luhn")),
                List.of(new ProfileDefinition.WordList("codename", List.of("Project Falcon", "bluebird", "青龍")))));
        Scanner s = DlpProfiles.builtIns().with(acme).scanner();
        String text = "{\"emp\":\"EMP-123456\",\"c\":\"CARD:4111111111111111\",\"d\":\"CARD:4111111111111112\"} "
                + "PROJECT FALCON and Bluebird, not bluebirds; 計画青龍です";
        List<String> got = s.scan(text, Set.of("acme")).stream()
                .map(f -> f.type() + "=" + f.valueIn(text) + "/" + f.confidence() + "/" + f.profile()).toList();
        assertEquals(List.of("employee_id=EMP-123456/MEDIUM/acme", "acct_card=4111111111111111/HIGH/acme",
                "codename=PROJECT FALCON/HIGH/acme", "codename=Bluebird/HIGH/acme", "codename=青龍/HIGH/acme"), got);
        assertEquals(Set.of("employee_id", "acct_card", "codename"), acme.types());
    }

    @Test
    void invalidDefinitionsListEveryProblem() {
        DlpDefinitionException e = assertThrows(DlpDefinitionException.class, () -> DlpProfiles.compile(
                new ProfileDefinition("Financial!", Arrays.asList(rule("x", "(unclosed", null),
                        rule("email", "a+", null), rule("x", "a*", null), rule("ok_name", "[0-9]+", "nope"), null),
                        List.of(new ProfileDefinition.WordList("words", Arrays.asList("", "fine"))))));
        List<String> p = e.problems();
        assertTrue(p.get(0).startsWith("name must be"), p.toString());
        assertTrue(p.stream().anyMatch(s -> s.startsWith("patterns[0].regex is not valid RE2")), p.toString());
        assertTrue(p.contains("patterns[1].name 'email' is a built-in finding type"), p.toString());
        assertTrue(p.contains("patterns[2].name 'x' is used twice"), p.toString());
        assertTrue(p.contains("patterns[2].regex matches the empty string"), p.toString());
        assertTrue(p.stream().anyMatch(s -> s.startsWith("patterns[3].validator 'nope' is unknown")), p.toString());
        assertTrue(p.contains("patterns[4] is null"), p.toString());
        assertTrue(p.contains("wordLists[0].words[0] is blank"), p.toString());
        assertTrue(e.getMessage().contains("patterns[2].regex matches the empty string"));
        assertTrue(e instanceof IllegalArgumentException);

        assertThrows(DlpDefinitionException.class,
                () -> DlpProfiles.compile(new ProfileDefinition("contact", null, null)));
        assertThrows(DlpDefinitionException.class,
                () -> DlpProfiles.compile(new ProfileDefinition("re", List.of(rule("r", "(a+)+\\1", null)), null)));
    }

    @Test
    void catastrophicBacktrackingPatternsRunInLinearTime() {
        CustomProfile p = DlpProfiles.compile(new ProfileDefinition("redos",
                List.of(rule("evil", "(a+)+b", null)), null));
        Scanner s = DlpProfiles.builtIns().with(p).scanner();
        String text = ("a".repeat(250) + " ").repeat(4_000);
        long t0 = System.nanoTime();
        assertEquals(List.of(), s.scan(text, Set.of("redos")));
        assertTrue(System.nanoTime() - t0 < 10_000_000_000L);
    }

    @Test
    void definitionBindsFromJson() throws Exception {
        ProfileDefinition d = io.aigateway.core.Json.MAPPER.readValue("""
                {"name":"hr","patterns":[{"name":"badge","regex":"B[0-9]{5}"}],
                 "wordLists":[{"name":"secret_project","words":["Nightjar"]}]}""", ProfileDefinition.class);
        CustomProfile p = DlpProfiles.compile(d);
        String text = "badge B12345 for Nightjar";
        assertEquals(2, DlpProfiles.builtIns().with(p).scanner().scan(text, Set.of("hr")).size());
    }
}

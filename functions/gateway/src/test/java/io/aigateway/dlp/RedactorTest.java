package io.aigateway.dlp;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RedactorTest {
    private final Scanner scanner = DlpProfiles.builtIns().scanner();

    @Test
    void redactsWithStablePlaceholdersAndRestores() {
        Redactor redactor = new Redactor();
        String first = "Mail a@b.io and c@d.io, card 4111111111111111, again a@b.io";
        Redactor.Redaction r1 = redactor.redact(first, scanner.scan(first, DlpProfiles.BUILT_IN));
        assertEquals("Mail [EMAIL_1] and [EMAIL_2], card [CREDIT_CARD_1], again [EMAIL_1]", r1.text());
        assertEquals(4, r1.replaced());
        String second = "reply to c@d.io";
        assertEquals("reply to [EMAIL_2]",
                redactor.redact(second, scanner.scan(second, DlpProfiles.BUILT_IN)).text());

        PlaceholderMap map = redactor.placeholders();
        assertFalse(map.toString().contains("a@b.io"));
        assertFalse(r1.toString().contains("a@b.io"));
        Restorer restorer = new Restorer(map);
        assertEquals("I wrote to a@b.io about 4111111111111111 [EMAIL_9] [x]",
                restorer.restore("I wrote to [EMAIL_1] about [CREDIT_CARD_1] [EMAIL_9] [x]"));
    }

    @Test
    void overlappingFindingsKeepTheFirst() {
        Redactor redactor = new Redactor();
        List<Finding> f = List.of(new Finding("a", "p", 0, 5, Confidence.HIGH),
                new Finding("b", "p", 3, 8, Confidence.HIGH), new Finding("c", "p", 8, 10, Confidence.HIGH));
        assertEquals("[A_1]567[C_1]", redactor.redact("0123456789", f).text());
    }

    @Test
    void streamRestorerHandlesPlaceholdersSplitAnywhere() {
        Redactor redactor = new Redactor();
        String prompt = "a@b.io, 4111111111111111, +81 90-1234-5678";
        redactor.redact(prompt, scanner.scan(prompt, Set.of("contact", "financial")));
        Restorer restorer = new Restorer(redactor.placeholders());
        String answer = "Sure: [EMAIL_1] has card [CREDIT_CARD_1]; [PHONE_1] and [NOT_ONE] [[EMAIL_1]] [EMAIL_1";
        String want = restorer.restore(answer);
        assertEquals("Sure: a@b.io has card 4111111111111111; +81 90-1234-5678 and [NOT_ONE] [a@b.io] [EMAIL_1",
                want);
        int longest = redactor.placeholders().longestPlaceholder();
        for (int cut1 = 0; cut1 <= answer.length(); cut1++) {
            for (int cut2 = cut1; cut2 <= answer.length(); cut2 += 3) {
                StreamRestorer s = restorer.stream();
                StringBuilder out = new StringBuilder();
                int fed = 0;
                for (String c : List.of(answer.substring(0, cut1), answer.substring(cut1, cut2),
                        answer.substring(cut2))) {
                    out.append(s.feed(c));
                    fed += c.length();
                    // held back: at most the longest placeholder less one (plus what restoring changed)
                    int held = restorer.restore(answer.substring(0, fed)).length() - out.length();
                    assertTrue(held < longest, "held " + held + " at cuts " + cut1 + ", " + cut2 + " fed " + fed);
                }
                out.append(s.finish());
                assertEquals(want, out.toString(), "cuts " + cut1 + ", " + cut2);
            }
        }
    }
}

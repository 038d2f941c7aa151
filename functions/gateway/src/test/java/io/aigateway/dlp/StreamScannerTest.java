package io.aigateway.dlp;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StreamScannerTest {
    static final String PEM = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIIrYSSNQFaA2Hwf1duRSxKtLYX5CB04fSeQ6tF1aY/PuoAoGCCqGSM49\n"
            + "AwEHoUQDQgAEPR3tU2Fsa3fK8cQdkmoHgE3QxNpFoOXDi6gwa2Wl4Ap2lHRVz1Wt\n-----END EC PRIVATE KEY-----";

    static final List<String> SAMPLES = List.of(
            "Hi John, my card is 4111 1111 1111 1111 and mail john.smith@example.com, call +1 (415) 555-0100.",
            "IBAN GB82 WEST 1234 5698 7654 32, routing number 021000021; SSN 123-45-6789 ok? 192.168.0.1 "
                    + "fe80::1ff:fe23:4567:890a",
            "マイナンバーは123456789018です。電話は090-1234-5678、身份证号11010519491231002X，邮箱 li@example.cn",
            "export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = "
                    + "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\nkey: sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123456789ABCD"
                    + " Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_X",
            "key:\n" + PEM + "\nand a cut one -----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nend",
            "order 4111111111111112, v1.2.3, 2024-01-15 12:30:45, uuid 123e4567-e89b-12d3-a456-426614174000 "
                    + "price $1,234.56 ghp_16C7e42F292c6912E7710c838347Ae178B4a 4111111111111111");

    private final Scanner scanner = DlpProfiles.builtIns().with(DlpProfiles.compile(new ProfileDefinition("acme",
            List.of(new ProfileDefinition.PatternRule("employee_id", "EMP-[0-9]{6}", null)),
            List.of(new ProfileDefinition.WordList("codename", List.of("Project Falcon", "青龍")))))).scanner();
    private final Set<String> profiles = Set.of("financial", "government_id", "contact", "credentials", "acme");

    private List<Finding> streamed(List<String> chunks, int[] maxHold) {
        StreamScanner s = scanner.stream(profiles, Confidence.LOW);
        List<Finding> out = new ArrayList<>();
        StringBuilder all = new StringBuilder();
        int released = 0;
        for (String c : chunks) {
            all.append(c);
            StreamScanner.Step step = s.feed(c);
            released += step.releasable();
            for (Finding f : step.findings()) {
                assertTrue(f.end() <= released, "finding past the released text");
            }
            assertEquals(released, s.released());
            maxHold[0] = Math.max(maxHold[0], all.length() - released);
            assertTrue(all.length() - released <= s.holdbackBound());
            out.addAll(step.findings());
        }
        StreamScanner.Step last = s.finish();
        out.addAll(last.findings());
        assertEquals(all.length(), released + last.releasable());
        return out;
    }

    @Test
    void everySplitPointFindsTheSameAsAWholeScan() {
        for (String text : SAMPLES) {
            List<Finding> whole = scanner.scan(text, profiles, Confidence.LOW);
            assertFalse(whole.isEmpty());
            for (int cut = 0; cut <= text.length(); cut++) {
                List<Finding> got = streamed(List.of(text.substring(0, cut), text.substring(cut)), new int[1]);
                assertEquals(whole, got, "split at " + cut + " of: " + text);
            }
        }
    }

    @Test
    void everySplitPointOfEveryCorpusText() throws Exception {
        for (CorpusPrecisionRecallTest.Item item : CorpusPrecisionRecallTest.corpus()) {
            String text = item.text();
            List<Finding> whole = scanner.scan(text, profiles, Confidence.LOW);
            for (int cut = 0; cut <= text.length(); cut++) {
                List<Finding> got = streamed(List.of(text.substring(0, cut), text.substring(cut)), new int[1]);
                assertEquals(whole, got, item.id() + " split at " + cut);
            }
        }
    }

    @Test
    void charByCharAndRandomChunks() {
        Random r = new Random(42);
        for (String text : SAMPLES) {
            List<Finding> whole = scanner.scan(text, profiles, Confidence.LOW);
            List<String> chars = text.chars().mapToObj(c -> String.valueOf((char) c)).toList();
            assertEquals(whole, streamed(chars, new int[1]), text);
            for (int round = 0; round < 50; round++) {
                List<String> chunks = new ArrayList<>();
                int at = 0;
                while (at < text.length()) {
                    int n = Math.min(text.length() - at, r.nextInt(12));
                    chunks.add(text.substring(at, at + n));
                    at += n;
                }
                assertEquals(whole, streamed(chunks, new int[1]), text);
            }
        }
    }

    @Test
    void proseIsHeldBackByAtMostAWord() {
        String text = "The quick brown fox jumps over the lazy dog, and then it naps for a while. ".repeat(20);
        int[] max = new int[1];
        streamed(text.chars().mapToObj(c -> String.valueOf((char) c)).toList(), max);
        assertTrue(max[0] <= 6, "held back " + max[0]);
    }

    @Test
    void aPemKeyIsHeldUntilItsFooter() {
        StreamScanner s = scanner.stream(Set.of("credentials"));
        StreamScanner.Step a = s.feed("key: " + PEM.substring(0, 100));
        assertEquals(5, a.releasable());
        StreamScanner.Step b = s.feed(PEM.substring(100) + " done");
        assertEquals(PEM.length() + 1, b.releasable()); // " done": the last word waits
        assertEquals(List.of(new Finding("private_key", "credentials", 5, 5 + PEM.length(), Confidence.HIGH)),
                b.findings());
    }
}

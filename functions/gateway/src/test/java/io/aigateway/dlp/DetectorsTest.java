package io.aigateway.dlp;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DetectorsTest {
    static final Set<String> ALL = DlpProfiles.BUILT_IN;
    private final Scanner scanner = DlpProfiles.builtIns().scanner();

    private List<String> found(String text) {
        return scanner.scan(text, ALL, Confidence.LOW).stream()
                .map(f -> f.type() + "=" + f.valueIn(text) + "/" + f.confidence()).toList();
    }

    private String only(String text) {
        List<String> f = found(text);
        assertEquals(1, f.size(), () -> "expected one finding in <" + text + ">, got " + f);
        return f.get(0);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "Card 4111111111111111 expires soon|credit_card=4111111111111111/HIGH",
            "card: 4111 1111 1111 1111.|credit_card=4111 1111 1111 1111/HIGH",
            "use 5555-5555-5555-4444 please|credit_card=5555-5555-5555-4444/HIGH",
            "amex 3782 822463 10005 ok|credit_card=3782 822463 10005/HIGH",
            "amex 378282246310005|credit_card=378282246310005/HIGH",
            "JCB 3530111333300000|credit_card=3530111333300000/HIGH",
            "カード番号は4111111111111111です|credit_card=4111111111111111/HIGH",
            "IBAN GB82WEST12345698765432 thanks|iban=GB82WEST12345698765432/HIGH",
            "IBAN: GB82 WEST 1234 5698 7654 32.|iban=GB82 WEST 1234 5698 7654 32/HIGH",
            "(DE89370400440532013000)|iban=DE89370400440532013000/HIGH",
            "routing number 021000021 account|aba_routing=021000021/HIGH",
            "ref 021000021 here|aba_routing=021000021/LOW",
            "SSN 123-45-6789|us_ssn=123-45-6789/HIGH",
            "id 123-45-6789.|us_ssn=123-45-6789/MEDIUM",
            "my SSN is 123456789|us_ssn=123456789/HIGH",
            "マイナンバーは123456789018です|jp_my_number=123456789018/HIGH",
            "個人番号: 1234 5678 9018|jp_my_number=1234 5678 9018/HIGH",
            "身份证号11010519491231002X，|cn_resident_id=11010519491231002X/HIGH",
            "mail john.smith+tag@example.co.uk.|email=john.smith+tag@example.co.uk/MEDIUM",
            "<a href=\"mailto:a@b.io\">|email=a@b.io/MEDIUM",
            "call +1 415-555-0100 now|phone=+1 415-555-0100/MEDIUM",
            "call (415) 555-0100 now|phone=(415) 555-0100/MEDIUM",
            "call 415-555-0100 now|phone=415-555-0100/MEDIUM",
            "電話 090-1234-5678 まで|phone=090-1234-5678/MEDIUM",
            "電話は03-1234-5678です|phone=03-1234-5678/MEDIUM",
            "手机13812345678联系|phone=13812345678/MEDIUM",
            "+44 20 7946 0958|phone=+44 20 7946 0958/MEDIUM",
            "host 192.168.1.20:8080|ipv4=192.168.1.20/MEDIUM",
            "addr 2001:db8:85a3::8a2e:370:7334 up|ipv6=2001:db8:85a3::8a2e:370:7334/MEDIUM",
            "loopback ::1 ok|ipv6=::1/MEDIUM",
            "link fe80::1ff:fe23:4567:890a%eth0|ipv6=fe80::1ff:fe23:4567:890a/MEDIUM",
            "full 2001:0db8:0000:0000:0000:ff00:0042:8329.|ipv6=2001:0db8:0000:0000:0000:ff00:0042:8329/MEDIUM",
            "mapped ::ffff:192.0.2.128 ok|ipv6=::ffff:192.0.2.128/MEDIUM",
            "key AKIAIOSFODNN7EXAMPLE|aws_access_key_id=AKIAIOSFODNN7EXAMPLE/HIGH",
            "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY|aws_secret_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY/HIGH",
            "OPENAI_API_KEY=sk-proj-4fT9qXk2Lw8sVn3pRy6bHc1mZd7gJe5aUo0iKt2NwQ8xYvB3rLs9|openai_key=sk-proj-4fT9qXk2Lw8sVn3pRy6bHc1mZd7gJe5aUo0iKt2NwQ8xYvB3rLs9/HIGH",
            "x-api-key: sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123456789ABCD-EFGH_ij|anthropic_key=sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123456789ABCD-EFGH_ij/HIGH",
            "key=AIzaSyA1bC2dE3fG4hI5jK6lM7nO8pQ9rS0tUvW&x|google_api_key=AIzaSyA1bC2dE3fG4hI5jK6lM7nO8pQ9rS0tUvW/HIGH",
            "token ghp_16C7e42F292c6912E7710c838347Ae178B4a!|github_token=ghp_16C7e42F292c6912E7710c838347Ae178B4a/HIGH",
            "Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U end|jwt=eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U/HIGH",
    })
    void detects(String text, String expected) {
        assertEquals(expected, only(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "order 4111111111111112 shipped", // Luhn fails
            "id 1234567812345678", // Luhn fails
            "uuid 123e4567-e89b-12d3-a456-426614174000",
            "commit 9fceb02d0ae598e95dc970b74767f19372d61af8",
            "released v1.2.3 and 2.0.0-rc1",
            "on 2024-01-15 12:30:45 UTC",
            "price $1,234.56 or ¥120,000",
            "INV-555-123-4567",
            "ORD-20240115-8837",
            "pi 3.14159265358979",
            "ts 1700000000000",
            "SSN 000-12-3456 is invalid",
            "666-12-3456",
            "call me at 12:30",
            "std::vector<int> and a::b",
            "MAC 00:1A:2B:3C:4D:5E",
            "sk-learn is a library",
            "email@localhost",
            "1.2.3.456",
            "version 10.0.19045.3803",
            "GB82WEST12345698765433",
            "身份证11010519491231002Y",
            "the quick brown fox jumps over the lazy dog",
    })
    void ignores(String text) {
        assertEquals(List.of(), scanner.scan(text, ALL), text);
    }

    @Test
    void pemPrivateKey() {
        String body = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj\n"
                + "MzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDuictGeurT8jNbvJZHtCSuYEvu\n";
        String pem = "-----BEGIN PRIVATE KEY-----\n" + body + "-----END PRIVATE KEY-----";
        String text = "here:\n" + pem + "\nthanks";
        assertEquals("private_key=" + pem + "/HIGH", only(text));
        String cut = "here:\n-----BEGIN RSA PRIVATE KEY-----\n" + body + "and then it stopped";
        List<String> f = found(cut);
        assertEquals(1, f.size(), f::toString);
        assertTrue(f.get(0).startsWith("private_key=-----BEGIN RSA PRIVATE KEY-----\nMIIE"));
        assertTrue(f.get(0).endsWith("vJZHtCSuYEvu\nand/MEDIUM"), f::toString);
    }

    @Test
    void profilesSelectDetectors() {
        String text = "mail a@b.io card 4111111111111111";
        assertEquals(List.of("credit_card"), scanner.scan(text, Set.of("financial")).stream()
                .map(Finding::type).toList());
        assertEquals(List.of("email"), scanner.scan(text, Set.of("contact")).stream().map(Finding::type).toList());
        assertThrows(IllegalArgumentException.class, () -> scanner.scan(text, Set.of("nope")));
    }

    @Test
    void findingNeverPrintsTheValue() {
        String text = "card 4111111111111111";
        Finding f = scanner.scan(text, ALL).get(0);
        assertFalse(f.toString().contains("4111"), f.toString());
        assertEquals("4111111111111111", f.valueIn(text));
    }

    @Test
    void longRunsAndNoiseDoNotHang() {
        String digits = "9".repeat(100_000);
        assertEquals(List.of(), scanner.scan(digits, ALL));
        String junk = "a@".repeat(50_000) + "::".repeat(50_000) + "-----BEGIN ".repeat(10_000);
        scanner.scan(junk, ALL);
    }
}

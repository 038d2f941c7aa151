package io.aigateway.dlp;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;

/**
 * Writes the labelled corpus {@code src/test/resources/dlp/corpus.jsonl} (run once; the file is committed, the test
 * only reads it). Valid ids are made here with check-digit code of its own, written from the specifications and not
 * shared with {@link Validators}, so a bug there cannot make the corpus agree with it. Labels say what a careful
 * reader would mark as sensitive; hard negatives carry no label.
 *
 * <pre>java -cp functions/gateway/target/test-classes io.aigateway.dlp.CorpusGenerator \
 *     functions/gateway/src/test/resources/dlp/corpus.jsonl</pre>
 */
public final class CorpusGenerator {
    private final Random r = new Random(20251202);
    private final List<String> lines = new ArrayList<>();
    private int seq;

    public static void main(String[] args) throws IOException {
        CorpusGenerator g = new CorpusGenerator();
        g.generate();
        Files.write(Path.of(args[0]), g.lines, StandardCharsets.UTF_8);
        System.out.println(g.lines.size() + " items");
    }

    private record Label(String type, String value) {
    }

    // ------------------------------------------------------------------ emitting

    private void item(String lang, String text, Label... labels) {
        StringBuilder b = new StringBuilder();
        b.append("{\"id\":\"").append(lang).append('-').append(String.format("%03d", ++seq)).append("\",\"lang\":\"")
                .append(lang).append("\",\"text\":").append(json(text)).append(",\"expected\":[");
        for (int k = 0; k < labels.length; k++) {
            if (k > 0) {
                b.append(',');
            }
            b.append("{\"type\":\"").append(labels[k].type()).append("\",\"value\":").append(json(labels[k].value()))
                    .append('}');
        }
        lines.add(b.append("]}").toString());
    }

    private static String json(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }

    /** Each template once per value, cycling values; {v} is the value, labelled as {@code type}. */
    private void fill(String lang, String type, String[] templates, Supplier<String> values) {
        for (String t : templates) {
            String v = values.get();
            item(lang, t.replace("{v}", v), new Label(type, v));
        }
    }

    private void negatives(String lang, String[] templates, Supplier<String> values) {
        for (String t : templates) {
            item(lang, t.replace("{v}", values.get()));
        }
    }

    private void negatives(String lang, String[] texts) {
        for (String t : texts) {
            item(lang, t);
        }
    }

    private <T> T pick(List<T> xs) {
        return xs.get(r.nextInt(xs.size()));
    }

    private String digits(int n) {
        StringBuilder b = new StringBuilder();
        for (int k = 0; k < n; k++) {
            b.append((char) ('0' + r.nextInt(10)));
        }
        return b.toString();
    }

    private String chars(String alphabet, int n) {
        StringBuilder b = new StringBuilder();
        for (int k = 0; k < n; k++) {
            b.append(alphabet.charAt(r.nextInt(alphabet.length())));
        }
        return b.toString();
    }

    static final String UPPER_DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    static final String ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    static final String B64URL = ALNUM + "-_";

    // ------------------------------------------------------------------ valid values (own check-digit code)

    static final List<String> CARDS = List.of("4111111111111111", "4012888888881881", "5555555555554444",
            "5105105105105100", "378282246310005", "371449635398431", "6011111111111117", "6011000990139424",
            "3530111333300000", "3566002020360505", "30569309025904", "4222222222222", "2223003122003222",
            "5200828282828210", "4000056655665556", "6200000000000005");

    private String card() {
        String c = pick(CARDS);
        return switch (r.nextInt(3)) {
            case 0 -> c;
            case 1 -> group(c, c.length() == 15 ? new int[] {4, 6, 5} : c.length() == 14 ? new int[] {4, 6, 4}
                    : fours(c.length()), ' ');
            default -> group(c, c.length() == 15 ? new int[] {4, 6, 5} : c.length() == 14 ? new int[] {4, 6, 4}
                    : fours(c.length()), '-');
        };
    }

    private static int[] fours(int n) {
        int[] g = new int[(n + 3) / 4];
        for (int k = 0; k < g.length; k++) {
            g[k] = Math.min(4, n - 4 * k);
        }
        return g;
    }

    private static String group(String d, int[] sizes, char sep) {
        StringBuilder b = new StringBuilder();
        int at = 0;
        for (int s : sizes) {
            if (at > 0) {
                b.append(sep);
            }
            b.append(d, at, at + s);
            at += s;
        }
        return b.toString();
    }

    static final List<String> IBANS = List.of("GB82WEST12345698765432", "DE89370400440532013000",
            "FR1420041010050500013M02606", "ES9121000418450200051332", "NL91ABNA0417164300",
            "IT60X0542811101000000123456", "CH9300762011623852957", "BE68539007547034", "AT611904300234573201",
            "GB29NWBK60161331926819", "PL61109010140000071219812874", "SE4550000000058398257466");

    private String iban() {
        String v = pick(IBANS);
        return r.nextBoolean() ? v : group(v, fours(v.length()), ' ');
    }

    static final List<String> ROUTING = List.of("021000021", "011000015", "026009593", "121000358", "111000025",
            "322271627", "031000053", "061000104", "071000013", "091000019");

    private String ssn() {
        int area;
        do {
            area = 1 + r.nextInt(899);
        } while (area == 666);
        return String.format("%03d-%02d-%04d", area, 1 + r.nextInt(99), 1 + r.nextInt(9999));
    }

    /** My Number check digit, from the Ministry's formula: 11 - (sum Pn*Qn mod 11), 0 if the rest is 0 or 1. */
    String myNumber() {
        String base = digits(11);
        int sum = 0;
        for (int n = 1; n <= 11; n++) {
            int pn = base.charAt(11 - n) - '0';
            int qn = n <= 6 ? n + 1 : n - 5;
            sum += pn * qn;
        }
        int rest = sum % 11;
        return base + (rest <= 1 ? 0 : 11 - rest);
    }

    static final int[] CN_PROVINCES = {11, 12, 13, 31, 32, 33, 44, 51, 61, 65};

    /** GB 11643-1999: 6-digit region, yyyymmdd, 3-digit sequence, ISO 7064 mod 11-2 check char. */
    String cnId() {
        int[] w = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
        String region = CN_PROVINCES[r.nextInt(CN_PROVINCES.length)] + String.format("%02d%02d", 1 + r.nextInt(20),
                1 + r.nextInt(30));
        String birth = String.format("%04d%02d%02d", 1950 + r.nextInt(55), 1 + r.nextInt(12), 1 + r.nextInt(28));
        String body = region + birth + digits(3);
        int s = 0;
        for (int k = 0; k < 17; k++) {
            s += (body.charAt(k) - '0') * w[k];
        }
        return body + "10X98765432".charAt(s % 11);
    }

    private String email() {
        return pick(List.of("john.smith", "a.tanaka", "wang.wei88", "support+billing", "k_yamada", "li.na", "ops-team",
                "maria.garcia", "dev", "taro.suzuki2024")) + "@" + pick(List.of("example.com", "mail.example.co.jp",
                "corp.example.cn", "gmail.com", "outlook.jp", "company.io", "sub.domain.example.org", "qq.com"));
    }

    private String usPhone() {
        String a = (2 + r.nextInt(8)) + digits(2);
        String b = (2 + r.nextInt(8)) + digits(2);
        String c = digits(4);
        return switch (r.nextInt(4)) {
            case 0 -> "(" + a + ") " + b + "-" + c;
            case 1 -> a + "-" + b + "-" + c;
            case 2 -> "+1 " + a + "-" + b + "-" + c;
            default -> a + "." + b + "." + c;
        };
    }

    private String jpPhone() {
        return switch (r.nextInt(5)) {
            case 0 -> "090-" + digits(4) + "-" + digits(4);
            case 1 -> "03-" + digits(4) + "-" + digits(4);
            case 2 -> "080" + digits(8);
            case 3 -> "+81 90-" + digits(4) + "-" + digits(4);
            default -> "06-" + digits(4) + "-" + digits(4);
        };
    }

    private String cnPhone() {
        String m = "1" + (3 + r.nextInt(7)) + digits(9);
        return switch (r.nextInt(3)) {
            case 0 -> m;
            case 1 -> m.substring(0, 3) + " " + m.substring(3, 7) + " " + m.substring(7);
            default -> "+86 " + m;
        };
    }

    private String ipv4() {
        return (1 + r.nextInt(223)) + "." + r.nextInt(256) + "." + r.nextInt(256) + "." + (1 + r.nextInt(254));
    }

    private String ipv6() {
        return switch (r.nextInt(4)) {
            case 0 -> "2001:db8:" + Integer.toHexString(r.nextInt(65536)) + "::" + Integer.toHexString(1 + r.nextInt(9999));
            case 1 -> "fe80::" + Integer.toHexString(r.nextInt(65536)) + ":" + Integer.toHexString(r.nextInt(65536))
                    + ":" + Integer.toHexString(r.nextInt(65536)) + ":" + Integer.toHexString(r.nextInt(65536));
            case 2 -> "2001:0db8:85a3:0000:0000:8a2e:0370:" + String.format("%04x", r.nextInt(65536));
            default -> "::1";
        };
    }

    private String awsKeyId() {
        return (r.nextBoolean() ? "AKIA" : "ASIA") + chars(UPPER_DIGITS, 16);
    }

    private String awsSecret() {
        String s;
        do {
            s = chars(ALNUM + "/+", 40);
        } while (!(s.chars().anyMatch(Character::isUpperCase) && s.chars().anyMatch(Character::isLowerCase)
                && s.chars().anyMatch(Character::isDigit)));
        return s;
    }

    private String openai() {
        return r.nextBoolean() ? "sk-proj-" + chars(B64URL, 48) + "T3BlbkFJ" + chars(B64URL, 48)
                : "sk-" + chars(ALNUM, 20) + "T3BlbkFJ" + chars(ALNUM, 20);
    }

    private String anthropic() {
        return "sk-ant-api03-" + chars(B64URL, 93) + "AA";
    }

    private String google() {
        return "AIza" + chars(B64URL, 35);
    }

    private String github() {
        return r.nextInt(3) == 0 ? "github_pat_" + chars(ALNUM, 22) + "_" + chars(ALNUM, 59)
                : "gh" + "pousr".charAt(r.nextInt(5)) + "_" + chars(ALNUM, 36);
    }

    private String jwt() {
        Base64.Encoder e = Base64.getUrlEncoder().withoutPadding();
        String header = pick(List.of("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", "{\"alg\":\"RS256\",\"kid\":\"k1\"}",
                "{\"typ\":\"JWT\",\"alg\":\"ES256\"}"));
        String payload = "{\"sub\":\"" + digits(8) + "\",\"name\":\"user" + digits(3) + "\",\"iat\":" + digits(10) + "}";
        return e.encodeToString(header.getBytes(StandardCharsets.UTF_8)) + "."
                + e.encodeToString(payload.getBytes(StandardCharsets.UTF_8)) + "." + chars(B64URL, 43);
    }

    private String pem() {
        String label = pick(List.of("PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY", "OPENSSH PRIVATE KEY"));
        StringBuilder b = new StringBuilder("-----BEGIN " + label + "-----\n");
        for (int l = 0; l < 3 + r.nextInt(6); l++) {
            b.append(chars(ALNUM + "+/", 64)).append('\n');
        }
        return b.append(chars(ALNUM + "+/", 20)).append("==\n-----END ").append(label).append("-----").toString();
    }

    // ------------------------------------------------------------------ hard negatives

    private String luhnFailing16() {
        String s;
        do {
            s = (4 + r.nextInt(2)) + digits(15);
        } while (luhnOk(s));
        return r.nextBoolean() ? s : group(s, fours(16), ' ');
    }

    private static boolean luhnOk(String d) {
        int sum = 0;
        for (int i = 0; i < d.length(); i++) {
            int v = d.charAt(d.length() - 1 - i) - '0';
            if (i % 2 == 1) {
                v = v * 2 > 9 ? v * 2 - 9 : v * 2;
            }
            sum += v;
        }
        return sum % 10 == 0;
    }

    private String uuid() {
        return java.util.UUID.nameUUIDFromBytes(digits(12).getBytes(StandardCharsets.UTF_8)).toString();
    }

    private String sha() {
        return chars("0123456789abcdef", r.nextBoolean() ? 40 : 7);
    }

    private String timestamp() {
        return switch (r.nextInt(4)) {
            case 0 -> "17" + digits(8);
            case 1 -> "17" + digits(11);
            case 2 -> String.format("2024-%02d-%02dT%02d:%02d:%02dZ", 1 + r.nextInt(12), 1 + r.nextInt(28),
                    r.nextInt(24), r.nextInt(60), r.nextInt(60));
            default -> String.format("2024/%02d/%02d %02d:%02d", 1 + r.nextInt(12), 1 + r.nextInt(28), r.nextInt(24),
                    r.nextInt(60));
        };
    }

    private String orderId() {
        return switch (r.nextInt(5)) {
            case 0 -> "ORD-" + digits(8) + "-" + digits(4);
            case 1 -> "#" + digits(6);
            case 2 -> "INV-" + digits(3) + "-" + digits(3) + "-" + digits(4);
            case 3 -> "PO" + digits(10);
            default -> "A" + digits(2) + "-" + digits(7);
        };
    }

    private String version() {
        return switch (r.nextInt(3)) {
            case 0 -> "v" + r.nextInt(5) + "." + r.nextInt(30) + "." + r.nextInt(20);
            case 1 -> r.nextInt(5) + "." + r.nextInt(30) + "." + r.nextInt(20) + "-beta." + r.nextInt(9);
            default -> "10.0." + (19000 + r.nextInt(999)) + "." + r.nextInt(5000);
        };
    }

    private String price() {
        return switch (r.nextInt(3)) {
            case 0 -> "$" + (1 + r.nextInt(9)) + "," + digits(3) + "." + digits(2);
            case 1 -> "¥" + (1 + r.nextInt(99)) + "," + digits(3);
            default -> (1 + r.nextInt(9)) + "," + digits(3) + "円";
        };
    }

    private String nineDigits() {
        return (1 + r.nextInt(9)) + digits(8);
    }

    private String twelveDigits() {
        return (1 + r.nextInt(9)) + digits(11);
    }

    // ------------------------------------------------------------------ the corpus

    void generate() {
        round(true);
        round(false); // the same templates with other values (and other random negatives)
    }

    /**
     * Written by hand from formats seen in real text, labelled as a reader would, and added without checking them
     * against the detectors: several are formats the detectors do not cover (and count as misses).
     */
    private void realistic() {
        item("ja", "携帯：０９０－１２３４－５６７８（全角）", new Label("phone", "０９０－１２３４－５６７８"));
        item("zh", "办公电话010-12345678转808", new Label("phone", "010-12345678"));
        item("en", "UK office 020 7946 0958, ask for Sam.", new Label("phone", "020 7946 0958"));
        item("en", "Tokyo: +81-3-1234-5678", new Label("phone", "+81-3-1234-5678"));
        item("en", "card 4111-1111 1111-1111 (typed by hand)", new Label("credit_card", "4111-1111 1111-1111"));
        item("en", "SSN 123 45 6789 per the intake form", new Label("us_ssn", "123 45 6789"));
        item("en", "My Number 1234-5678-9018 (from the card)", new Label("jp_my_number", "1234-5678-9018"));
        item("ja", "マイナンバー（12桁）：123456789018", new Label("jp_my_number", "123456789018"));
        item("en", "iban: gb82 west 1234 5698 7654 32", new Label("iban", "gb82 west 1234 5698 7654 32"));
        item("en", "Mail: JOHN.SMITH@EXAMPLE.COM", new Label("email", "JOHN.SMITH@EXAMPLE.COM"));
        item("en", "allow 10.0.0.1/24 and 2001:DB8::1 only", new Label("ipv4", "10.0.0.1"),
                new Label("ipv6", "2001:DB8::1"));
        String key = "-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj\\n"
                + "-----END PRIVATE KEY-----";
        item("en", "{\"private_key\": \"" + key + "\", \"type\": \"service_account\"}", new Label("private_key", key));
        item("en", "key2: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                new Label("aws_secret_key", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"));
        item("en", "Contact: jane@example.com.", new Label("email", "jane@example.com"));
        item("en", "Phone (555)555-0199 or 555.555.0123", new Label("phone", "(555)555-0199"),
                new Label("phone", "555.555.0123"));
        item("zh", "手机：+86-138-0013-8000", new Label("phone", "+86-138-0013-8000"));
        item("ja", "メール：ｊｏｈｎ＠ｅｘａｍｐｌｅ．ｃｏｍ", new Label("email", "ｊｏｈｎ＠ｅｘａｍｐｌｅ．ｃｏｍ"));
        item("en", "Upgrade the agent to 2.31.0.1 before Friday.");
        item("en", "Ship to order no. 202-555-0143 by Monday.");
        item("en", "Use subnet mask 255.255.255.0 on the LAN.");
        item("ja", "製品シリアル 1234-5678-9012 をご確認ください。");
        item("en", "Patent US 7,654,321 B2 covers it.");
        item("en", "docker pull app@sha256:9b2c6c1d3f7e4a5b8c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b");
        item("en", "Exchange rate 1 USD = 149.82 JPY on 2024-03-15.");
        item("zh", "身份证号格式为18位，例如110105YYYYMMDD001X。");
        item("en", "Version string 1.22.333.4444 is not an IP.");
        item("en", "Reach me at bob [at] example [dot] com", new Label("email", "bob [at] example [dot] com"));
    }

    private void round(boolean first) {
        if (first) {
            realistic();
        }
        // --- financial
        fill("en", "credit_card", new String[] {"Please charge my card {v} for the annual plan.",
                "Card number: {v}, exp 12/27.", "I used {v} at checkout but it was declined.",
                "Can you check why the payment with {v} failed on 2024-03-15?", "billing: card={v}",
                "My Visa is {v}; the CVV is on the back.", "Refund to {v} please (order ORD-20240315-8812).",
                "{v} is the card I registered last week.", "the old card {v} expired.",
                "Use the test card {v} in the sandbox."}, this::card);
        fill("ja", "credit_card", new String[] {"カード番号は{v}です。", "決済に使ったカード：{v}（有効期限 12/27）",
                "クレジットカード{v}で支払いました。", "このカード {v} の利用明細を確認してください。",
                "テスト用カード番号 {v} を使ってください。"}, this::card);
        fill("zh", "credit_card", new String[] {"我的信用卡号是{v}，请帮我查询。", "卡号：{v}，有效期12/27。",
                "用{v}支付失败了。", "请把退款退回到卡{v}上。", "信用卡 {v} 已经过期。"}, this::card);
        fill("en", "iban", new String[] {"Please wire the funds to IBAN {v}.", "Our bank account: {v} (SWIFT DEUTDEFF).",
                "IBAN: {v}", "Send the refund to {v} by Friday.", "Beneficiary IBAN {v}, reference INV-2024-0042.",
                "the account {v} belongs to our Paris office."}, this::iban);
        fill("ja", "iban", new String[] {"振込先のIBANは{v}です。", "海外送金先：{v}"}, this::iban);
        fill("zh", "iban", new String[] {"收款账户IBAN：{v}。", "请汇款至{v}。"}, this::iban);
        fill("en", "aba_routing", new String[] {"Routing number: {v}, account 000123456789.",
                "ABA {v} for domestic wires.", "RTN {v}", "Use routing {v} for ACH payments.",
                "Our bank's ABA routing number is {v}.", "routing #{v} account #4455667788"},
                () -> pick(ROUTING));
        fill("ja", "aba_routing", new String[] {"米国口座のルーティング番号（ABA）: {v}"}, () -> pick(ROUTING));

        // --- government ids
        fill("en", "us_ssn", new String[] {"My SSN is {v}.", "SSN: {v}", "social security number {v} on file",
                "Employee record: name Jane Roe, SSN {v}, DOB 1985-04-12.", "The form shows {v} as the SSN.",
                "applicant {v} (social security)", "Please verify SSN {v} against the W-2."}, this::ssn);
        fill("en", "us_ssn", new String[] {"my ssn is {v}", "SSN#{v}"}, () -> ssn().replace("-", ""));
        fill("en", "jp_my_number", new String[] {"My Number: {v}", "His my number is {v}."}, this::myNumber);
        fill("ja", "jp_my_number", new String[] {"マイナンバーは{v}です。", "個人番号：{v}", "マイナンバー {v} を登録しました。",
                "扶養家族の個人番号は{v}です。", "マイナンバーカードの番号 {v}", "個人番号（マイナンバー）{v}を記入してください。"},
                this::myNumber);
        fill("ja", "jp_my_number", new String[] {"マイナンバー：{v}", "個人番号 {v} の確認"},
                () -> group(myNumber(), new int[] {4, 4, 4}, ' '));
        fill("zh", "cn_resident_id", new String[] {"我的身份证号是{v}。", "身份证号码：{v}", "请核对证件号{v}是否正确。",
                "居民身份证 {v}，有效期至2030年。", "联系人：王伟，身份证{v}，电话另附。", "他的身份证号码为{v}",
                "证件号码{v}已登记。", "身份证：{v}"}, this::cnId);
        fill("en", "cn_resident_id", new String[] {"Chinese ID number {v}", "resident id: {v}."}, this::cnId);
        fill("ja", "cn_resident_id", new String[] {"中国の身分証番号は{v}です。"}, this::cnId);

        // --- contact
        fill("en", "email", new String[] {"Email me at {v}.", "Contact: {v}", "cc {v} on the thread",
                "<{v}>", "reply-to: \"Support\" <{v}>", "Send the report to {v}, thanks!", "mailto:{v}",
                "Her address is {v}; his is unknown."}, this::email);
        fill("ja", "email", new String[] {"メールアドレスは{v}です。", "ご連絡は{v}までお願いします。", "連絡先：{v}"}, this::email);
        fill("zh", "email", new String[] {"我的邮箱是{v}。", "请发邮件到{v}联系我们。", "邮箱：{v}"}, this::email);
        fill("en", "phone", new String[] {"Call me at {v}.", "Phone: {v}", "Our support line is {v} (9am-5pm).",
                "text {v} when you arrive", "Reach the front desk at {v}.", "mobile {v}, office ext. 204"},
                this::usPhone);
        fill("en", "phone", new String[] {"Tokyo office: {v}", "call {v} after 6pm"}, this::jpPhone);
        fill("ja", "phone", new String[] {"電話番号は{v}です。", "連絡先：{v}（平日10時〜18時）", "携帯 {v} までご連絡ください。",
                "TEL {v}", "担当の携帯は{v}です。", "お問い合わせ：{v}"}, this::jpPhone);
        fill("zh", "phone", new String[] {"我的手机号是{v}。", "联系电话：{v}", "请拨打{v}联系客服。", "手机 {v}",
                "电话{v}，工作日联系。"}, this::cnPhone);
        fill("en", "ipv4", new String[] {"The server is at {v}.", "ssh admin@{v} -p 2222", "Blocked IP: {v}",
                "curl http://{v}:8080/health", "client {v} made 300 requests", "nameserver {v}"}, this::ipv4);
        fill("ja", "ipv4", new String[] {"サーバーのIPアドレスは{v}です。"}, this::ipv4);
        fill("zh", "ipv4", new String[] {"服务器地址：{v}"}, this::ipv4);
        fill("en", "ipv6", new String[] {"IPv6 address {v} is reachable.", "ping6 {v}", "listen [{v}]:443",
                "from {v} at 10:32", "the host resolves to {v}"}, this::ipv6);
        fill("ja", "ipv6", new String[] {"IPv6アドレスは{v}です。"}, this::ipv6);

        // --- credentials
        fill("en", "aws_access_key_id", new String[] {"AWS_ACCESS_KEY_ID={v}", "access key {v} was leaked",
                "aws configure set aws_access_key_id {v}", "\"AccessKeyId\": \"{v}\","}, this::awsKeyId);
        fill("ja", "aws_access_key_id", new String[] {"アクセスキーID {v} を無効化してください。"}, this::awsKeyId);
        fill("en", "aws_secret_key", new String[] {"aws_secret_access_key = {v}", "AWS_SECRET_ACCESS_KEY={v}",
                "\"SecretAccessKey\": \"{v}\"", "the secret key is {v}"}, this::awsSecret);
        fill("en", "openai_key", new String[] {"OPENAI_API_KEY={v}", "Authorization: Bearer {v}",
                "my key is {v} please don't share", "client = OpenAI(api_key=\"{v}\")"}, this::openai);
        fill("zh", "openai_key", new String[] {"我的API密钥是{v}"}, this::openai);
        fill("en", "anthropic_key", new String[] {"ANTHROPIC_API_KEY={v}", "x-api-key: {v}",
                "anthropic.Anthropic(api_key='{v}')"}, this::anthropic);
        fill("en", "google_api_key", new String[] {"https://maps.googleapis.com/maps/api/js?key={v}&callback=init",
                "GOOGLE_API_KEY={v}", "apiKey: \"{v}\","}, this::google);
        fill("en", "github_token", new String[] {"GITHUB_TOKEN={v}", "git clone https://{v}@github.com/acme/app.git",
                "token: {v}", "Authorization: token {v}"}, this::github);
        fill("ja", "github_token", new String[] {"GitHubのトークン{v}が漏洩しました。"}, this::github);
        fill("en", "jwt", new String[] {"Authorization: Bearer {v}", "id_token={v}&state=xyz",
                "Here's my token: {v}", "{\"access_token\":\"{v}\",\"expires_in\":3600}"}, this::jwt);
        fill("en", "private_key", new String[] {"Here is the key:\n{v}\nDon't share it.", "```\n{v}\n```",
                "key file contents: {v}"}, this::pem);

        // --- several in one text
        for (int k = 0; k < 12; k++) {
            String e = email();
            String c = card();
            String p = usPhone();
            item("en", "Customer " + e + " paid with " + c + " and left " + p + " as a callback number on "
                    + timestamp() + " (order " + orderId() + ").", new Label("email", e), new Label("credit_card", c),
                    new Label("phone", p));
        }
        for (int k = 0; k < 6; k++) {
            String e = email();
            String p = jpPhone();
            String m = myNumber();
            item("ja", "お客様のメールは" + e + "、電話は" + p + "、マイナンバーは" + m + "です。注文番号 " + orderId() + "。",
                    new Label("email", e), new Label("phone", p), new Label("jp_my_number", m));
        }
        for (int k = 0; k < 6; k++) {
            String id = cnId();
            String p = cnPhone();
            String ip = ipv4();
            item("zh", "用户身份证" + id + "，手机" + p + "，登录IP " + ip + "，订单金额" + price() + "。",
                    new Label("cn_resident_id", id), new Label("phone", p), new Label("ipv4", ip));
        }
        for (int k = 0; k < 4; k++) {
            String id = awsKeyId();
            String s = awsSecret();
            item("en", "[default]\naws_access_key_id = " + id + "\naws_secret_access_key = " + s
                    + "\nregion = us-east-1", new Label("aws_access_key_id", id), new Label("aws_secret_key", s));
        }

        // --- hard negatives
        negatives("en", new String[] {"Order {v} has shipped.", "Reference number {v}", "Transaction {v} failed.",
                "The tracking id is {v}.", "invoice {v} is overdue", "Luhn test: {v} should be rejected"},
                this::luhnFailing16);
        negatives("ja", new String[] {"注文番号{v}の商品を発送しました。", "お問い合わせ番号：{v}"}, this::luhnFailing16);
        negatives("zh", new String[] {"订单号{v}已发货。", "交易流水号：{v}"}, this::luhnFailing16);
        negatives("en", new String[] {"Request id {v} timed out.", "uuid: {v}", "trace={v}", "see {v} in the logs"},
                this::uuid);
        negatives("en", new String[] {"Fixed in commit {v}.", "git checkout {v}", "the SHA {v} is on main",
                "Reverted {v} because of the regression."}, this::sha);
        negatives("en", new String[] {"The event happened at {v}.", "ts={v}", "created_at: {v}", "since {v}",
                "expires {v}"}, this::timestamp);
        negatives("ja", new String[] {"作成日時：{v}", "{v}に更新されました。"}, this::timestamp);
        negatives("zh", new String[] {"创建时间：{v}", "于{v}更新。"}, this::timestamp);
        negatives("en", new String[] {"Order {v} is ready.", "Your order number is {v}.", "Ticket {v} closed.",
                "See invoice {v}.", "PO reference: {v}", "case {v}"}, this::orderId);
        negatives("ja", new String[] {"注文番号：{v}", "伝票番号{v}"}, this::orderId);
        negatives("zh", new String[] {"订单编号：{v}", "发票号{v}"}, this::orderId);
        negatives("en", new String[] {"Upgrade to {v} to get the fix.", "Running kernel {v}.", "requires node {v}",
                "Windows build {v}"}, this::version);
        negatives("en", new String[] {"The total is {v}.", "It costs {v} per month.", "Budget: {v}"}, this::price);
        negatives("ja", new String[] {"合計金額は{v}です。", "月額{v}（税込）"}, this::price);
        negatives("zh", new String[] {"总价{v}。", "每月{v}。"}, this::price);
        negatives("en", new String[] {"Order number {v} confirmed.", "Your confirmation code is {v}.",
                "Employee number {v}", "Customer #{v}", "Batch {v} processed 1,204 rows.", "item {v} in stock"},
                this::nineDigits);
        negatives("ja", new String[] {"会員番号{v}でログインしてください。", "受付番号：{v}"}, this::nineDigits);
        negatives("en", new String[] {"Account ID {v}", "Shipment {v} delivered.", "Serial: {v}"}, this::twelveDigits);
        negatives("ja", new String[] {"お客様番号は{v}です。", "契約番号：{v}"}, this::twelveDigits);
        negatives("zh", new String[] {"会员编号{v}", "合同号：{v}"}, this::twelveDigits);
        negatives("zh", new String[] {"物流单号{v}。", "订单{v}已签收。"}, () -> (1 + r.nextInt(9)) + digits(17));
        negatives("en", new String[] {"SSN 000-{v} is not valid", "example 666-{v}", "placeholder 900-{v}"},
                () -> String.format("%02d-%04d", 1 + r.nextInt(99), 1 + r.nextInt(9999)));
        negatives("en", new String[] {"Order {v} shipped today.", "Your booking reference is {v}.",
                "Member ID {v}", "Receipt no. {v}", "ref {v}", "Item code {v}", "Batch {v}", "Job {v} finished."},
                this::nineDigits);
        negatives("ja", new String[] {"予約番号は{v}です。", "問い合わせ番号{v}", "整理番号：{v}"}, this::twelveDigits);
        negatives("zh", new String[] {"快递单号{v}", "订单号：{v}", "流水号{v}"}, this::twelveDigits);
        if (!first) {
            return;
        }
        negatives("en", new String[] {"The meeting is 2024-03-15 from 10:30 to 11:45.", "Call me at 3pm, not 4.",
                "We shipped 1,234,567 units in Q3 and 2,345,678 in Q4.", "pi is 3.14159265358979323846",
                "Use ISBN 978-3-16-148410-0 for the citation.", "MAC 00:1A:2B:3C:4D:5E is blocked.",
                "std::vector<int> v; v.push_back(42);", "The ratio was 16:9 and the time 12:30:45.",
                "Tracking: 1Z999AA10123456784", "Build 2024.03.15.1 is out.", "Meet at gate 42, seat 12A.",
                "Temperature 36.6 C, pulse 72, BP 120/80.", "Coordinates 35.6895, 139.6917",
                "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----",
                "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUeX\n-----END CERTIFICATE-----",
                "Install scikit-learn (sk-learn) and numpy.", "the task-force sk-ops meeting",
                "Set eyJ as the prefix check in your parser.", "AKIA is the prefix of AWS access key ids.",
                "The regex ^ghp_[A-Za-z0-9]{36}$ matches GitHub tokens.", "user@localhost cannot receive mail",
                "Email addresses look like name@domain.", "Contact us via the form on example.com.",
                "IP 256.300.1.1 is invalid, and so is 192.168.1.", "Version 1.2.3 beats 1.2.2.",
                "The call lasted 415 seconds across 555 nodes.", "Phone extension 4455.",
                "The hash is d41d8cd98f00b204e9800998ecf8427e.", "base64: SGVsbG8gV29ybGQhIFRoaXMgaXMgYSB0ZXN0Lg==",
                "sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                "Random token abcdEFGH1234ijklMNOP5678qrstUVWX9012yzAB in a URL", "Page 12 of 345, row 6789.",
                "ID 123-45-678 is too short to be an SSN.", "Range 10-20-30-40 in the chart.",
                "We hired 12 people in 2023 and 34 in 2024.", "Dial 911 or 112 in an emergency."});
        negatives("ja", new String[] {"会議は2024年3月15日10時30分から始まります。", "価格は1,980円（税込）です。",
                "第3四半期の売上は12億3456万円でした。", "バージョン2.3.1で修正されました。", "郵便番号は100-0001です。",
                "東京都千代田区千代田1-1-1", "在庫は1234個、発注点は500個です。", "明日の気温は最高25度、最低18度です。",
                "注文番号A12-3456789を確認しました。", "会員ランクはゴールド、ポイントは12,345です。"});
        negatives("zh", new String[] {"会议定于2024年3月15日上午10点举行。", "价格为人民币1,299元。",
                "第三季度营收增长了12.5%。", "版本号v2.3.1已发布。", "邮政编码100080。", "北京市海淀区中关村大街1号",
                "库存还有1234件。", "请在30天内完成付款。", "订单号2024031512345已发货。", "会员积分：12,345分。"});
        negatives("en", new String[] {"aws_secret_access_key = <your secret here>", "secret: {v}",
                "the commit {v} fixed it"}, () -> chars("0123456789abcdef", 40));
        negatives("en", new String[] {"value {v} appears in the fixture", "cache key {v}"},
                () -> chars(ALNUM, 40));
    }
}

package io.aigateway.dlp;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * Check-digit and structure validators. Each takes the candidate as written and ignores spaces and dashes in it (a
 * card number printed {@code 4111 1111 1111 1111} validates like {@code 4111111111111111}); anything else that is not
 * part of the format makes it invalid. Custom profiles refer to them by {@link #names() name}.
 */
public final class Validators {
    private static final Map<String, Predicate<CharSequence>> BY_NAME = Map.of(
            "luhn", Validators::luhn,
            "mod97", Validators::iban,
            "iban", Validators::iban,
            "aba_routing", Validators::abaRouting,
            "us_ssn", Validators::usSsn,
            "jp_my_number", Validators::myNumber,
            "cn_resident_id", Validators::cnResidentId,
            "credit_card", Validators::creditCard);

    private static final int[] CN_WEIGHTS = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    private static final String CN_CHECK = "10X98765432";

    /** Registration lengths of IBANs by country (ISO 13616 registry). */
    static final Map<String, Integer> IBAN_LENGTHS = Map.ofEntries(
            Map.entry("AD", 24), Map.entry("AE", 23), Map.entry("AL", 28), Map.entry("AT", 20), Map.entry("AZ", 28),
            Map.entry("BA", 20), Map.entry("BE", 16), Map.entry("BG", 22), Map.entry("BH", 22), Map.entry("BR", 29),
            Map.entry("BY", 28), Map.entry("CH", 21), Map.entry("CR", 22), Map.entry("CY", 28), Map.entry("CZ", 24),
            Map.entry("DE", 22), Map.entry("DK", 18), Map.entry("DO", 28), Map.entry("EE", 20), Map.entry("EG", 29),
            Map.entry("ES", 24), Map.entry("FI", 18), Map.entry("FO", 18), Map.entry("FR", 27), Map.entry("GB", 22),
            Map.entry("GE", 22), Map.entry("GI", 23), Map.entry("GL", 18), Map.entry("GR", 27), Map.entry("GT", 28),
            Map.entry("HR", 21), Map.entry("HU", 28), Map.entry("IE", 22), Map.entry("IL", 23), Map.entry("IQ", 23),
            Map.entry("IS", 26), Map.entry("IT", 27), Map.entry("JO", 30), Map.entry("KW", 30), Map.entry("KZ", 20),
            Map.entry("LB", 28), Map.entry("LC", 32), Map.entry("LI", 21), Map.entry("LT", 20), Map.entry("LU", 20),
            Map.entry("LV", 21), Map.entry("MC", 27), Map.entry("MD", 24), Map.entry("ME", 22), Map.entry("MK", 19),
            Map.entry("MR", 27), Map.entry("MT", 31), Map.entry("MU", 30), Map.entry("NL", 18), Map.entry("NO", 15),
            Map.entry("PK", 24), Map.entry("PL", 28), Map.entry("PS", 29), Map.entry("PT", 25), Map.entry("QA", 29),
            Map.entry("RO", 24), Map.entry("RS", 22), Map.entry("SA", 24), Map.entry("SC", 31), Map.entry("SE", 24),
            Map.entry("SI", 19), Map.entry("SK", 24), Map.entry("SM", 27), Map.entry("ST", 25), Map.entry("SV", 28),
            Map.entry("TL", 23), Map.entry("TN", 24), Map.entry("TR", 26), Map.entry("UA", 29), Map.entry("VA", 22),
            Map.entry("VG", 24), Map.entry("XK", 20));

    private Validators() {
    }

    /** The names a custom pattern may give as its validator. */
    public static Set<String> names() {
        return new TreeSet<>(BY_NAME.keySet());
    }

    public static Optional<Predicate<CharSequence>> byName(String name) {
        return Optional.ofNullable(name == null ? null : BY_NAME.get(name));
    }

    /** The characters of {@code s} without spaces and dashes, or null if anything else is not a letter or digit. */
    static String compact(CharSequence s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == ' ' || c == '-') {
                continue;
            }
            if (!Chars.isAsciiAlnum(c)) {
                return null;
            }
            b.append(c);
        }
        return b.toString();
    }

    private static String digits(CharSequence s) {
        String c = compact(s);
        if (c == null || c.isEmpty()) {
            return null;
        }
        for (int i = 0; i < c.length(); i++) {
            if (!Chars.isDigit(c.charAt(i))) {
                return null;
            }
        }
        return c;
    }

    /** Luhn (mod 10) over all digits. */
    public static boolean luhn(CharSequence s) {
        String d = digits(s);
        return d != null && d.length() >= 2 && luhnDigits(d, 0, d.length());
    }

    static boolean luhnDigits(CharSequence d, int from, int to) {
        int sum = 0;
        boolean dbl = false;
        for (int i = to - 1; i >= from; i--) {
            int v = d.charAt(i) - '0';
            if (dbl) {
                v *= 2;
                if (v > 9) {
                    v -= 9;
                }
            }
            sum += v;
            dbl = !dbl;
        }
        return sum % 10 == 0;
    }

    /** A payment card number: Luhn, and an issuer prefix (IIN) whose length matches. */
    public static boolean creditCard(CharSequence s) {
        String d = digits(s);
        return d != null && issuerAccepts(d) && luhnDigits(d, 0, d.length());
    }

    /** Whether a known card network issues numbers of this length with this prefix. */
    static boolean issuerAccepts(CharSequence d) {
        int n = d.length();
        if (n < 12 || n > 19) {
            return false;
        }
        int p1 = d.charAt(0) - '0';
        int p2 = p1 * 10 + (d.charAt(1) - '0');
        int p3 = p2 * 10 + (d.charAt(2) - '0');
        int p4 = p3 * 10 + (d.charAt(3) - '0');
        if (p1 == 4) { // Visa
            return n == 13 || n == 16 || n == 19;
        }
        if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) { // Mastercard
            return n == 16;
        }
        if (p2 == 34 || p2 == 37) { // American Express
            return n == 15;
        }
        if (p4 == 6011 || p2 == 65 || (p3 >= 644 && p3 <= 649)) { // Discover
            return n >= 16 && n <= 19;
        }
        if (p4 >= 3528 && p4 <= 3589) { // JCB
            return n >= 16 && n <= 19;
        }
        if (p2 == 62) { // UnionPay
            return n >= 16 && n <= 19;
        }
        if (p2 == 36 || (p3 >= 300 && p3 <= 305) || p2 == 38 || p2 == 39) { // Diners Club
            return n >= 14 && n <= 19;
        }
        if (p2 == 50 || (p2 >= 56 && p2 <= 58) || p2 == 63 || p2 == 67) { // Maestro
            return n >= 12 && n <= 19;
        }
        return false;
    }

    /** IBAN: known country, its registered length, and the ISO 7064 mod 97-10 check (remainder 1). */
    public static boolean iban(CharSequence s) {
        String c = compact(s);
        if (c == null || c.length() < 5) {
            return false;
        }
        Integer len = IBAN_LENGTHS.get(c.substring(0, 2));
        if (len == null || len != c.length() || !Chars.isDigit(c.charAt(2)) || !Chars.isDigit(c.charAt(3))) {
            return false;
        }
        return mod97(c);
    }

    /** ISO 7064 mod 97-10 over an IBAN-shaped string (letters count 10..35), after moving the first four chars last. */
    static boolean mod97(CharSequence c) {
        int n = c.length();
        int rem = 0;
        for (int k = 0; k < n; k++) {
            char ch = c.charAt((k + 4) % n);
            if (Chars.isDigit(ch)) {
                rem = (rem * 10 + (ch - '0')) % 97;
            } else if (ch >= 'A' && ch <= 'Z') {
                rem = (rem * 100 + (ch - 'A' + 10)) % 97;
            } else {
                return false;
            }
        }
        return rem == 1;
    }

    /** US ABA routing number: 9 digits, a Federal Reserve prefix, checksum 3-7-1. */
    public static boolean abaRouting(CharSequence s) {
        String d = digits(s);
        if (d == null || d.length() != 9) {
            return false;
        }
        int p = (d.charAt(0) - '0') * 10 + (d.charAt(1) - '0');
        if (!((p <= 12) || (p >= 21 && p <= 32) || (p >= 61 && p <= 72) || p == 80)) {
            return false;
        }
        int sum = 0;
        for (int i = 0; i < 9; i++) {
            int w = switch (i % 3) {
                case 0 -> 3;
                case 1 -> 7;
                default -> 1;
            };
            sum += w * (d.charAt(i) - '0');
        }
        return sum % 10 == 0;
    }

    /** US SSN structure (there is no check digit): area not 000, 666 or 9xx; group not 00; serial not 0000. */
    public static boolean usSsn(CharSequence s) {
        String d = digits(s);
        if (d == null || d.length() != 9) {
            return false;
        }
        int area = Integer.parseInt(d, 0, 3, 10);
        int group = Integer.parseInt(d, 3, 5, 10);
        int serial = Integer.parseInt(d, 5, 9, 10);
        return area != 0 && area != 666 && area < 900 && group != 0 && serial != 0;
    }

    /** Japan My Number (individual number): 12 digits, the last a check digit over the first 11. */
    public static boolean myNumber(CharSequence s) {
        String d = digits(s);
        return d != null && d.length() == 12 && myNumberDigits(d, 0);
    }

    static boolean myNumberDigits(CharSequence d, int from) {
        int sum = 0;
        for (int n = 1; n <= 11; n++) {
            int p = d.charAt(from + 11 - n) - '0'; // P1 is the digit next to the check digit
            int q = n <= 6 ? n + 1 : n - 5;
            sum += p * q;
        }
        int r = sum % 11;
        int check = r <= 1 ? 0 : 11 - r;
        return check == d.charAt(from + 11) - '0';
    }

    /** China resident identity number: 18 chars, province code, valid birth date, ISO 7064 mod 11-2 (X for 10). */
    public static boolean cnResidentId(CharSequence s) {
        String c = compact(s);
        return c != null && c.length() == 18 && cnIdChars(c, 0);
    }

    static boolean cnIdChars(CharSequence c, int from) {
        int sum = 0;
        for (int i = 0; i < 17; i++) {
            char ch = c.charAt(from + i);
            if (!Chars.isDigit(ch)) {
                return false;
            }
            sum += (ch - '0') * CN_WEIGHTS[i];
        }
        char last = Character.toUpperCase(c.charAt(from + 17));
        if (last != CN_CHECK.charAt(sum % 11)) {
            return false;
        }
        int province = (c.charAt(from) - '0') * 10 + (c.charAt(from + 1) - '0');
        if (!cnProvince(province)) {
            return false;
        }
        int year = num(c, from + 6, 4);
        int month = num(c, from + 10, 2);
        int day = num(c, from + 12, 2);
        return year >= 1900 && year <= 2099 && month >= 1 && month <= 12 && day >= 1 && day <= daysIn(year, month);
    }

    private static boolean cnProvince(int p) {
        return (p >= 11 && p <= 15) || (p >= 21 && p <= 23) || (p >= 31 && p <= 37) || (p >= 41 && p <= 46)
                || (p >= 50 && p <= 54) || (p >= 61 && p <= 65) || p == 71 || p == 81 || p == 82 || p == 83;
    }

    private static int num(CharSequence c, int from, int len) {
        int v = 0;
        for (int i = from; i < from + len; i++) {
            v = v * 10 + (c.charAt(i) - '0');
        }
        return v;
    }

    private static int daysIn(int year, int month) {
        return switch (month) {
            case 2 -> (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28;
            case 4, 6, 9, 11 -> 30;
            default -> 31;
        };
    }
}

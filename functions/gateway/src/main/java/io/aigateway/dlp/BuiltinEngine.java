package io.aigateway.dlp;

import java.util.List;

import static io.aigateway.dlp.Chars.isAsciiAlnum;
import static io.aigateway.dlp.Chars.isAsciiLetter;
import static io.aigateway.dlp.Chars.isB64;
import static io.aigateway.dlp.Chars.isDigit;
import static io.aigateway.dlp.Chars.isHex;
import static io.aigateway.dlp.Chars.isKey;
import static io.aigateway.dlp.Chars.isLocal;
import static io.aigateway.dlp.Chars.isUpper;

/**
 * All built-in detectors in one forward pass. The loop skips characters that cannot start a candidate (a table
 * lookup: everything non-ASCII, most punctuation, and any position inside a word), and at a possible start tries the
 * detectors in a fixed order, reading forward only; the first that matches wins and the scan resumes after it, so
 * built-in findings never overlap. Every candidate is decided within {@link #maxReadAhead()} characters of its start.
 */
final class BuiltinEngine implements Engine {
    static final int FIN = 1;
    static final int GOV = 2;
    static final int CONTACT = 4;
    static final int CRED = 8;
    static final int ALL = FIN | GOV | CONTACT | CRED;

    /** Longest e-mail local part (RFC 5321). */
    static final int EMAIL_LOCAL_MAX = 64;
    /** Longest domain (RFC 1035). */
    static final int EMAIL_DOMAIN_MAX = 253;
    /** Longest JWT recognised; longer ones are not (tokens that big do not fit in HTTP headers anyway). */
    static final int JWT_MAX = 4096;
    /** Longest API key body read after its prefix. */
    static final int KEY_MAX = 256;
    /** A PEM private key block must end within this many chars of its BEGIN line (RSA 4096 is ~3.3 K). */
    static final int PEM_MAX = 8192;
    /** Context keywords are looked for this far before a candidate ... */
    static final int CONTEXT_BEFORE = 48;
    /** ... and this far after it. */
    static final int CONTEXT_AFTER = 32;

    private static final String[] SSN_WORDS = {"ssn", "social security", "soc sec", "社会保障番号", "社会保障号"};
    private static final String[] ABA_WORDS = {"routing", "aba", "rtn", "transit number", "ルーティング", "路由号"};
    private static final String[] MY_NUMBER_WORDS = {"my number", "mynumber", "マイナンバー", "個人番号", "個人番号"};
    private static final String[] AWS_SECRET_WORDS = {"secret", "aws"};
    private static final String[] AWS_KEY_ID_PREFIXES = {"AKIA", "ASIA", "AGPA", "AIDA", "AROA", "AIPA", "ANPA",
            "ANVA", "APKA", "ABIA", "ACCA"};

    private final int mask;
    private final boolean fin;
    private final boolean gov;
    private final boolean contact;
    private final boolean cred;
    /** Which ASCII chars may start a candidate for the enabled profiles (per engine: no shared mutable table). */
    private final boolean[] start = new boolean[128];

    BuiltinEngine(int mask) {
        this.mask = mask;
        this.fin = (mask & FIN) != 0;
        this.gov = (mask & GOV) != 0;
        this.contact = (mask & CONTACT) != 0;
        this.cred = (mask & CRED) != 0;
        for (char c = 0; c < 128; c++) {
            boolean s = false;
            if (isDigit(c)) {
                s = mask != 0;
            } else if (isAsciiLetter(c)) {
                s = contact || cred || fin;
            } else if (c == '+') {
                s = contact || cred;
            } else if (c == '(' || c == ':') {
                s = contact;
            } else if (c == '-' || c == '/') {
                s = cred;
            }
            start[c] = s;
        }
    }

    int mask() {
        return mask;
    }

    @Override
    public int maxReadAhead() {
        int m = 64;
        if (contact) {
            m = Math.max(m, EMAIL_LOCAL_MAX + EMAIL_DOMAIN_MAX + 3);
        }
        if (cred) {
            m = Math.max(m, PEM_MAX + 64);
        }
        return m;
    }

    @Override
    public int scan(Window w, int from, List<Finding> out) {
        char[] a = w.a;
        int n = w.limit;
        for (int i = from; i < n; i++) {
            char c = a[i];
            if (c >= 128 || !start[c]) {
                continue;
            }
            // inside an ASCII word nothing starts (keeps the common case to two array reads per char)
            if (i > 0 && isAsciiAlnum(a[i - 1]) && isAsciiAlnum(c)) {
                continue;
            }
            w.needMore = false;
            int end = candidate(w, i, c);
            if (w.needMore) {
                return i;
            }
            if (end > i) {
                out.add(new Finding(w.hitType.type, w.hitType.profile, i, end, w.hitConfidence));
                i = end - 1;
            }
        }
        return n;
    }

    private int candidate(Window w, int i, char c) {
        char p = w.at(i - 1);
        int e;
        // distinctive prefixes first: "https://ghp_...@github.com" is a token, not an e-mail address
        if (cred) {
            e = prefixedCredential(w, i, c, p);
            if (e > 0) {
                return e;
            }
        }
        if (contact && isAsciiAlnum(c) && !isLocal(p) && p != '@') {
            e = email(w, i);
            if (e > 0) {
                return e;
            }
        }
        if (cred && isB64(c) && !isB64(p) && p != '-' && p != '_') {
            e = awsSecret(w, i);
            if (e > 0) {
                return e;
            }
        }
        if (contact && (isHex(c) || c == ':') && !isAsciiAlnum(p) && p != ':' && p != '.' && p != '_') {
            e = ipv6(w, i);
            if (e > 0) {
                return w.hit(BuiltinType.IPV6, Confidence.MEDIUM, e);
            }
        }
        if (contact && isDigit(c) && !isAsciiAlnum(p) && p != '_' && p != '.' && p != '-' && p != ',') {
            e = ipv4(w, i); // also after '@' and '/': admin@10.0.0.1, http://10.0.0.1/
            if (e > 0) {
                return w.hit(BuiltinType.IPV4, Confidence.MEDIUM, e);
            }
        }
        if (isDigit(c) && numericStart(w, i, p)) {
            e = numeric(w, i);
            if (e > 0) {
                return e;
            }
        }
        if (contact && c == '+' && !isAsciiAlnum(p) && p != '_' && p != '+') {
            e = e164(w, i);
            if (e > 0) {
                return w.hit(BuiltinType.PHONE, Confidence.MEDIUM, e);
            }
        }
        if (contact && c == '(' && !isAsciiAlnum(p)) {
            e = parenPhone(w, i);
            if (e > 0) {
                return w.hit(BuiltinType.PHONE, Confidence.MEDIUM, e);
            }
        }
        if (fin && isAsciiLetter(c) && !isAsciiAlnum(p) && p != '_') {
            e = iban(w, i);
            if (e > 0) {
                return w.hit(BuiltinType.IBAN, Confidence.HIGH, e);
            }
        }
        return -1;
    }

    // ---------------------------------------------------------------- contact

    private int email(Window w, int i) {
        int j = i;
        while (isLocal(w.at(j))) {
            if (++j - i > EMAIL_LOCAL_MAX) {
                return -1;
            }
        }
        if (w.at(j) != '@' || w.at(j - 1) == '.') {
            return -1;
        }
        int d = j + 1;
        int k = d;
        int labels = 0;
        int tld;
        while (true) {
            int ls = k;
            char ch;
            while (isAsciiAlnum(ch = w.at(k)) || ch == '-') {
                if (++k - ls > 63) {
                    return -1;
                }
            }
            if (k == ls || w.at(ls) == '-' || w.at(k - 1) == '-' || k - d > EMAIL_DOMAIN_MAX) {
                return -1;
            }
            labels++;
            tld = ls;
            if (w.at(k) == '.' && isAsciiAlnum(w.at(k + 1))) {
                k++;
                continue;
            }
            break;
        }
        if (labels < 2 || k - tld < 2) {
            return -1;
        }
        for (int t = tld; t < k; t++) {
            if (!isAsciiLetter(w.at(t))) {
                return -1;
            }
        }
        char after = w.at(k);
        if (after == '@' || after == '_') {
            return -1;
        }
        return w.hit(BuiltinType.EMAIL, Confidence.MEDIUM, k);
    }

    /** IPv4 dotted quad with valid octets (no leading zeros); the end, or -1. */
    private static int ipv4(Window w, int i) {
        int j = i;
        for (int o = 0; o < 4; o++) {
            int s = j;
            int v = 0;
            char ch;
            while (isDigit(ch = w.at(j))) {
                v = v * 10 + (ch - '0');
                if (++j - s > 3) {
                    return -1;
                }
            }
            if (j == s || v > 255 || (j - s > 1 && w.at(s) == '0')) {
                return -1;
            }
            if (o < 3) {
                if (w.at(j) != '.') {
                    return -1;
                }
                j++;
            }
        }
        char after = w.at(j);
        if (isAsciiAlnum(after) || after == '_' || ((after == '.' || after == '-') && isDigit(w.at(j + 1)))) {
            return -1;
        }
        return j;
    }

    /** IPv6, full or compressed, optionally ending in a dotted quad; the end, or -1. */
    private static int ipv6(Window w, int i) {
        int j = i;
        int groups = 0;
        boolean compressed = false;
        boolean digit = false;
        if (w.at(j) == ':') {
            if (w.at(j + 1) != ':' || !isHex(w.at(j + 2))) {
                return -1;
            }
            compressed = true;
            j += 2;
        }
        int end;
        while (true) {
            int gs = j;
            char ch;
            while (isHex(ch = w.at(j))) {
                digit |= isDigit(ch);
                if (++j - gs > 4) {
                    return -1;
                }
            }
            if (j == gs) {
                return -1;
            }
            if (ch == '.' && isDigit(w.at(j + 1))) {
                if (compressed ? groups > 5 : groups != 6) {
                    return -1;
                }
                int e4 = ipv4(w, gs);
                if (e4 < 0) {
                    return -1;
                }
                groups += 2;
                end = e4;
                break;
            }
            if (++groups > 8) {
                return -1;
            }
            if (ch == ':') {
                if (w.at(j + 1) == ':') {
                    if (compressed) {
                        return -1;
                    }
                    compressed = true;
                    j += 2;
                    if (!isHex(w.at(j))) {
                        end = j;
                        break;
                    }
                    continue;
                }
                if (isHex(w.at(j + 1))) {
                    j++;
                    continue;
                }
            }
            end = j;
            break;
        }
        if (compressed ? groups > 7 : groups != 8) {
            return -1;
        }
        // "cafe::babe", "a::b" and "1::" are more often code than addresses
        if (!digit || (compressed && groups < 2 && w.at(i) != ':')) {
            return -1;
        }
        char after = w.at(end);
        if (isAsciiAlnum(after) || after == '_' || (after == '.' && isDigit(w.at(end + 1)))) {
            return -1;
        }
        return end;
    }

    /** E.164-style international number: '+', country code, 8 to 15 digits with single separators. */
    private static int e164(Window w, int i) {
        int j = i + 1;
        char first = w.at(j);
        if (!isDigit(first) || first == '0') {
            return -1;
        }
        int digits = 0;
        int lastDigitEnd = -1;
        boolean inParen = false;
        boolean usedParen = false;
        while (true) {
            char ch = w.at(j);
            if (isDigit(ch)) {
                if (++digits > 15) {
                    return -1;
                }
                lastDigitEnd = ++j;
                continue;
            }
            char next = w.at(j + 1);
            if ((ch == ' ' || ch == '-' || ch == '.') && (isDigit(next) || (next == '(' && !usedParen))) {
                j++;
                continue;
            }
            if (ch == '(' && !usedParen && isDigit(next)) {
                inParen = usedParen = true;
                j++;
                continue;
            }
            if (ch == ')' && inParen) {
                inParen = false;
                j++;
                if (w.at(j) == ' ' && isDigit(w.at(j + 1))) {
                    j++;
                }
                continue;
            }
            if (isAsciiLetter(ch) || ch == '_' || ((ch == '.' || ch == ',') && isDigit(next))) {
                return -1;
            }
            break;
        }
        return digits >= 8 && !inParen ? lastDigitEnd : -1;
    }

    /** US number with the area code in parentheses: (415) 555-0100, (415)555-0100, (415) 555 0100. */
    private static int parenPhone(Window w, int i) {
        int j = i + 1;
        if (!digits(w, j, 3) || w.at(j) < '2' || w.at(j + 3) != ')') {
            return -1;
        }
        j += 4;
        if (w.at(j) == ' ') {
            j++;
        }
        if (!digits(w, j, 3) || w.at(j) < '2') {
            return -1;
        }
        j += 3;
        char sep = w.at(j);
        if (sep == '-' || sep == '.' || sep == ' ') {
            j++;
        }
        if (!digits(w, j, 4)) {
            return -1;
        }
        j += 4;
        char after = w.at(j);
        if (isAsciiAlnum(after) || after == '_' || ((after == '-' || after == '.') && isDigit(w.at(j + 1)))) {
            return -1;
        }
        return j;
    }

    private static boolean digits(Window w, int from, int count) {
        for (int k = from; k < from + count; k++) {
            if (!isDigit(w.at(k))) {
                return false;
            }
        }
        return true;
    }

    // ---------------------------------------------------------------- numbers

    /** Digits right after a letter, a decimal point, a slash, a dash within an identifier or a time are not a start. */
    private static boolean numericStart(Window w, int i, char p) {
        if (isAsciiAlnum(p) || p == '_' || p == '.' || p == ',' || p == '/' || p == '\\' || p == '+' || p == '@') {
            return false;
        }
        if (p == '-') {
            return !isAsciiAlnum(w.at(i - 2));
        }
        if (p == ':') {
            return !isHex(w.at(i - 2));
        }
        return true;
    }

    private int numeric(Window w, int i) {
        // digit groups with one kind of single separator: 4111 1111 1111 1111, 123-45-6789, 090-1234-5678
        int[] len = w.groupLen;
        int[] end = w.groupEnd;
        int k = 0;
        char sep = 0;
        int j = i;
        while (k < len.length) {
            int s = j;
            while (isDigit(w.at(j))) {
                if (++j - s > 19) {
                    break;
                }
            }
            if (j - s > 19) {
                if (k == 0) {
                    return -1; // a run longer than any format: skip it whole (inner positions never start)
                }
                break;
            }
            len[k] = j - s;
            end[k] = j;
            k++;
            char ch = w.at(j);
            if ((ch == ' ' || ch == '-' || ch == '.') && (sep == 0 || ch == sep) && isDigit(w.at(j + 1))) {
                sep = ch;
                j++;
            } else {
                break;
            }
        }
        for (int m = k; m >= 1; m--) {
            int e = classify(w, i, m, sep);
            if (e > 0) {
                return e;
            }
        }
        return -1;
    }

    /** Whether a number may end at {@code e}: not glued to letters, decimals, times, or a longer dashed id. */
    private static boolean numericEnd(Window w, int e) {
        char c = w.at(e);
        if (isAsciiLetter(c) || c == '_' || c == '@') {
            return false;
        }
        if (c == '.' || c == ',' || c == ':' || c == '-') {
            return !isDigit(w.at(e + 1));
        }
        return true;
    }

    private int classify(Window w, int i, int m, char sep) {
        int[] len = w.groupLen;
        int e = w.groupEnd[m - 1];
        if (m == 1) {
            int n = len[0];
            char x = w.at(e);
            if (gov && n == 17 && (x == 'X' || x == 'x') && !isAsciiAlnum(w.at(e + 1)) && w.at(e + 1) != '_'
                    && Validators.cnIdChars(w, i)) {
                return w.hit(BuiltinType.CN_RESIDENT_ID, Confidence.HIGH, e + 1);
            }
            if (!numericEnd(w, e)) {
                return -1;
            }
            if (gov && n == 18 && Validators.cnIdChars(w, i)) {
                return w.hit(BuiltinType.CN_RESIDENT_ID, Confidence.HIGH, e);
            }
            if (fin && n >= 13 && Validators.issuerAccepts(w.subSequence(i, e)) && Validators.luhnDigits(w, i, e)) {
                return w.hit(BuiltinType.CREDIT_CARD, Confidence.HIGH, e);
            }
            if (n == 9) {
                if (gov && Validators.usSsn(w.subSequence(i, e)) && context(w, i, e, SSN_WORDS)) {
                    return w.hit(BuiltinType.US_SSN, Confidence.HIGH, e);
                }
                if (fin && Validators.abaRouting(w.subSequence(i, e))) {
                    return w.hit(BuiltinType.ABA_ROUTING,
                            context(w, i, e, ABA_WORDS) ? Confidence.HIGH : Confidence.LOW, e);
                }
            }
            if (gov && n == 12 && Validators.myNumberDigits(w, i)) {
                return w.hit(BuiltinType.JP_MY_NUMBER,
                        context(w, i, e, MY_NUMBER_WORDS) ? Confidence.HIGH : Confidence.LOW, e);
            }
            if (contact && n == 11 && (cnMobile(w, i) || jpMobile(w, i))) {
                return w.hit(BuiltinType.PHONE, Confidence.MEDIUM, e);
            }
            return -1;
        }
        if (!numericEnd(w, e)) {
            return -1; // also rejects a prefix of dash- or dot-separated groups that go on (a longer id)
        }
        int total = 0;
        for (int g = 0; g < m; g++) {
            total += len[g];
        }
        if (fin && sep != '.' && cardGrouping(len, m, total)) {
            String d = digitsOnly(w, i, e);
            if (Validators.issuerAccepts(d) && Validators.luhnDigits(d, 0, d.length())) {
                return w.hit(BuiltinType.CREDIT_CARD, Confidence.HIGH, e);
            }
        }
        if (gov && m == 3 && len[0] == 3 && len[1] == 2 && len[2] == 4 && sep != '.'
                && Validators.usSsn(digitsOnly(w, i, e))) {
            boolean ctx = context(w, i, e, SSN_WORDS);
            if (sep == '-' || ctx) {
                return w.hit(BuiltinType.US_SSN, ctx ? Confidence.HIGH : Confidence.MEDIUM, e);
            }
        }
        if (gov && m == 3 && len[0] == 4 && len[1] == 4 && len[2] == 4 && sep != '.'
                && Validators.myNumberDigits(digitsOnly(w, i, e), 0)) {
            return w.hit(BuiltinType.JP_MY_NUMBER,
                    context(w, i, e, MY_NUMBER_WORDS) ? Confidence.HIGH : Confidence.LOW, e);
        }
        if (contact && groupedPhone(w, i, m, sep, total)) {
            return w.hit(BuiltinType.PHONE, Confidence.MEDIUM, e);
        }
        return -1;
    }

    private static boolean cardGrouping(int[] len, int m, int total) {
        if (total < 13 || total > 19) {
            return false;
        }
        if (m == 3 && len[0] == 4 && len[1] == 6 && (len[2] == 5 || len[2] == 4)) {
            return true; // Amex 4-6-5, Diners 4-6-4
        }
        for (int g = 0; g < m - 1; g++) {
            if (len[g] != 4) {
                return false;
            }
        }
        return m >= 4;
    }

    private static boolean groupedPhone(Window w, int i, int m, char sep, int total) {
        int[] len = w.groupLen;
        char d0 = w.at(i);
        if (m == 3 && len[0] == 3 && len[1] == 3 && len[2] == 4 && d0 >= '2'
                && w.at(w.groupEnd[0] + 1) >= '2') {
            return true; // NANP 415-555-0100, 415.555.0100, 415 555 0100
        }
        if (m == 4 && len[0] == 1 && d0 == '1' && len[1] == 3 && len[2] == 3 && len[3] == 4 && sep != ' ') {
            return true; // 1-800-555-0100
        }
        if (m == 3 && d0 == '0' && sep == '-' && (total == 10 || total == 11) && len[0] >= 2 && len[0] <= 5
                && len[2] >= 3) {
            return true; // Japan 03-1234-5678, 090-1234-5678, 0466-12-3456, 0120-123-456
        }
        return m == 3 && len[0] == 3 && len[1] == 4 && len[2] == 4 && sep != '.' && cnMobile(w, i);
    }

    private static boolean cnMobile(Window w, int i) {
        char d1 = w.at(i + 1);
        return w.at(i) == '1' && d1 >= '3' && d1 <= '9';
    }

    private static boolean jpMobile(Window w, int i) {
        char d1 = w.at(i + 1);
        return w.at(i) == '0' && (d1 == '7' || d1 == '8' || d1 == '9') && w.at(i + 2) == '0';
    }

    private static String digitsOnly(Window w, int from, int to) {
        StringBuilder b = new StringBuilder(to - from);
        for (int k = from; k < to; k++) {
            char ch = w.a[k];
            if (isDigit(ch)) {
                b.append(ch);
            }
        }
        return b.toString();
    }

    // ---------------------------------------------------------------- IBAN

    private static int iban(Window w, int i) {
        char c0 = w.at(i);
        char c1 = w.at(i + 1);
        if (!isAsciiLetter(c1) || Chars.isLower(c0) != Chars.isLower(c1) || !isDigit(w.at(i + 2))
                || !isDigit(w.at(i + 3))) {
            return -1;
        }
        Integer want = Validators.IBAN_LENGTHS.get(new String(new char[] {upper(c0), upper(c1)}));
        if (want == null) {
            return -1;
        }
        // compact (GB82WEST12345698765432) or printed in groups of four (GB82 WEST 1234 5698 7654 32), either case
        StringBuilder b = new StringBuilder(want);
        int j = i;
        int inGroup = 0;
        boolean spaced = false;
        while (b.length() < want) {
            char ch = w.at(j);
            if (isAsciiAlnum(ch)) {
                b.append(upper(ch));
                inGroup++;
                j++;
            } else if (ch == ' ' && inGroup == 4 && (b.length() == 4 || spaced) && isAsciiAlnum(w.at(j + 1))) {
                spaced = true;
                inGroup = 0;
                j++;
            } else {
                return -1;
            }
        }
        char after = w.at(j);
        if (isAsciiAlnum(after) || after == '_') {
            return -1;
        }
        return Validators.mod97(b) ? j : -1;
    }

    private static char upper(char c) {
        return Chars.isLower(c) ? (char) (c - 32) : c;
    }

    // ---------------------------------------------------------------- credentials

    private static int prefixedCredential(Window w, int i, char c, char p) {
        if (c == '-') {
            return p == '-' ? -1 : pem(w, i);
        }
        if (isKey(p) || p == '.' || p == '+') {
            return -1; // inside a longer token; a '/' before is fine: https://ghp_...@github.com
        }
        return switch (c) {
            case 'A' -> awsKeyIdOrGoogle(w, i);
            case 's' -> skKey(w, i);
            case 'g' -> github(w, i);
            case 'e' -> jwt(w, i);
            default -> -1;
        };
    }

    private static int run(Window w, int from, int max, boolean b64url) {
        int j = from;
        while (b64url ? isKey(w.at(j)) : isAsciiAlnum(w.at(j))) {
            if (++j - from > max) {
                return -1;
            }
        }
        return j - from;
    }

    private static int awsKeyIdOrGoogle(Window w, int i) {
        if (w.startsWith(i, "AIza")) {
            int n = run(w, i + 4, 35, true);
            return n == 35 ? w.hit(BuiltinType.GOOGLE_API_KEY, Confidence.HIGH, i + 39) : -1;
        }
        boolean prefix = false;
        for (String pre : AWS_KEY_ID_PREFIXES) {
            if (w.startsWith(i, pre)) {
                prefix = true;
                break;
            }
        }
        if (!prefix) {
            return -1;
        }
        int j = i + 4;
        for (; j < i + 20; j++) {
            char ch = w.at(j);
            if (!isUpper(ch) && !isDigit(ch)) {
                return -1;
            }
        }
        return isKey(w.at(j)) ? -1 : w.hit(BuiltinType.AWS_ACCESS_KEY_ID, Confidence.HIGH, j);
    }

    private static int skKey(Window w, int i) {
        if (!w.startsWith(i, "sk-")) {
            return -1;
        }
        if (w.startsWith(i + 3, "ant-")) {
            int n = run(w, i + 7, KEY_MAX, true);
            return n >= 32 ? w.hit(BuiltinType.ANTHROPIC_KEY, Confidence.HIGH, i + 7 + n) : -1;
        }
        int n = run(w, i + 3, KEY_MAX, true);
        if (n < 20) {
            return -1;
        }
        int e = i + 3 + n;
        boolean digit = false;
        boolean letter = false;
        for (int k = i + 3; k < e; k++) {
            char ch = w.a[k];
            digit |= isDigit(ch);
            letter |= isAsciiLetter(ch);
        }
        if (!digit || !letter) {
            return -1;
        }
        boolean known = w.startsWith(i + 3, "proj-") || w.startsWith(i + 3, "svcacct-")
                || w.startsWith(i + 3, "admin-") || contains(w, i + 3, e, "T3BlbkFJ");
        if (known && n >= 32) {
            return w.hit(BuiltinType.OPENAI_KEY, Confidence.HIGH, e);
        }
        return n >= 32 ? w.hit(BuiltinType.OPENAI_KEY, Confidence.MEDIUM, e) : -1;
    }

    private static boolean contains(Window w, int from, int to, String s) {
        for (int k = from; k + s.length() <= to; k++) {
            if (w.a[k] == s.charAt(0) && w.startsWith(k, s)) {
                return true;
            }
        }
        return false;
    }

    private static int github(Window w, int i) {
        if (w.startsWith(i, "github_pat_")) {
            int n = run(w, i + 11, KEY_MAX, true);
            // the body is [A-Za-z0-9_]; a '-' would make it something else
            return n >= 40 && !contains(w, i + 11, i + 11 + n, "-")
                    ? w.hit(BuiltinType.GITHUB_TOKEN, Confidence.HIGH, i + 11 + n) : -1;
        }
        char t = w.at(i + 2);
        if (w.at(i + 1) != 'h' || w.at(i + 3) != '_'
                || (t != 'p' && t != 'o' && t != 'u' && t != 's' && t != 'r')) {
            return -1;
        }
        int n = run(w, i + 4, KEY_MAX, false);
        if (n < 36 || isKey(w.at(i + 4 + n))) {
            return -1;
        }
        return w.hit(BuiltinType.GITHUB_TOKEN, Confidence.HIGH, i + 4 + n);
    }

    private static int jwt(Window w, int i) {
        if (!w.startsWith(i, "eyJ")) {
            return -1;
        }
        int h = run(w, i, JWT_MAX, true);
        if (h < 10 || w.at(i + h) != '.') {
            return -1;
        }
        int ps = i + h + 1;
        int pl = run(w, ps, JWT_MAX - (ps - i), true);
        if (pl < 2 || w.at(ps + pl) != '.') {
            return -1;
        }
        int ss = ps + pl + 1;
        int sl = run(w, ss, JWT_MAX - (ss - i), true);
        int e = ss + sl;
        if (sl < 0 || e - i > JWT_MAX || w.at(e) == '.' || w.at(e) == '=') {
            return -1;
        }
        return headerHasAlg(w, i, h) ? w.hit(BuiltinType.JWT, Confidence.HIGH, e) : -1;
    }

    /** Decodes the base64url header and checks it is a JSON object naming an "alg". */
    private static boolean headerHasAlg(Window w, int from, int len) {
        if (len > 2048) {
            return false;
        }
        StringBuilder json = new StringBuilder(len);
        int bits = 0;
        int acc = 0;
        for (int k = from; k < from + len; k++) {
            char ch = w.a[k];
            int v;
            if (isUpper(ch)) {
                v = ch - 'A';
            } else if (ch >= 'a' && ch <= 'z') {
                v = ch - 'a' + 26;
            } else if (isDigit(ch)) {
                v = ch - '0' + 52;
            } else if (ch == '-') {
                v = 62;
            } else {
                v = 63;
            }
            acc = (acc << 6) | v;
            bits += 6;
            if (bits >= 8) {
                bits -= 8;
                json.append((char) ((acc >> bits) & 0xFF));
            }
        }
        String s = json.toString().strip();
        return s.startsWith("{") && s.contains("\"alg\"");
    }

    private static int awsSecret(Window w, int i) {
        int j = i;
        boolean upper = false;
        boolean lower = false;
        boolean digit = false;
        char ch;
        while (isB64(ch = w.at(j))) {
            upper |= isUpper(ch);
            lower |= ch >= 'a' && ch <= 'z';
            digit |= isDigit(ch);
            if (++j - i > 40) {
                return -1;
            }
        }
        if (j - i != 40 || ch == '=' || ch == '-' || ch == '_' || !upper || !lower || !digit) {
            return -1;
        }
        return context(w, i, j, AWS_SECRET_WORDS) ? w.hit(BuiltinType.AWS_SECRET_KEY, Confidence.HIGH, j) : -1;
    }

    private static int pem(Window w, int i) {
        if (!w.startsWith(i, "-----BEGIN ")) {
            return -1;
        }
        int ls = i + 11;
        int j = ls;
        char ch;
        while (isUpper(ch = w.at(j)) || isDigit(ch) || ch == ' ') {
            if (++j - ls > 40) {
                return -1;
            }
        }
        String label = new String(w.a, ls, j - ls);
        if (!label.endsWith("PRIVATE KEY") || !w.startsWith(j, "-----")) {
            return -1;
        }
        j += 5;
        String footer = "-----END " + label + "-----";
        int lastBody = j;
        int b64 = 0;
        while (j - i < PEM_MAX) {
            ch = w.at(j);
            if (ch == '-' && w.startsWith(j, footer)) {
                return w.hit(BuiltinType.PRIVATE_KEY, b64 >= 40 ? Confidence.HIGH : Confidence.MEDIUM,
                        j + footer.length());
            }
            if (isB64(ch) || ch == '=') {
                b64++;
                lastBody = j + 1;
            } else if (!(ch == '\n' || ch == '\r' || ch == ':' || ch == ',' || ch == '-' || ch == '.' || ch == '\\'
                    || ((ch == ' ' || ch == '\t') && w.at(j - 1) == ':'))) {
                break; // prose after a cut-off key; spaces appear in a body only in "Proc-Type: 4,ENCRYPTED"
            }
            j++;
        }
        // no footer within reach (cut off, or longer than PEM_MAX): the header and the body that followed it
        return w.hit(BuiltinType.PRIVATE_KEY, Confidence.MEDIUM, lastBody);
    }

    // ---------------------------------------------------------------- context

    /** Whether a keyword occurs within {@link #CONTEXT_BEFORE} chars before or {@link #CONTEXT_AFTER} after. */
    static boolean context(Window w, int start, int end, String[] words) {
        return near(w, Math.max(start - CONTEXT_BEFORE, -1), start, words)
                || near(w, end, end + CONTEXT_AFTER, words);
    }

    private static boolean near(Window w, int from, int to, String[] words) {
        for (String kw : words) {
            for (int p = from; p + kw.length() <= to; p++) {
                if (matchesAt(w, p, kw)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean matchesAt(Window w, int p, String kw) {
        for (int k = 0; k < kw.length(); k++) {
            if (Chars.lowerAscii(w.at(p + k)) != kw.charAt(k)) {
                return false;
            }
        }
        // short ASCII keywords ("aba", "ssn") must stand alone, not inside "abacus"
        if (kw.length() <= 3 && kw.charAt(0) < 128) {
            return !isAsciiLetter(w.at(p - 1)) && !isAsciiLetter(w.at(p + kw.length()));
        }
        return true;
    }
}

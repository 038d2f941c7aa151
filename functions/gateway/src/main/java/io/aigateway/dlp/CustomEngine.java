package io.aigateway.dlp;

import com.google.re2j.Matcher;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One custom profile's pass: its regexes over each token (see {@link ProfileDefinition.PatternRule}) and its word
 * lists at each position. Custom profiles are not on the built-ins' fast path; each is a pass of its own.
 */
final class CustomEngine implements Engine {
    static final int TOKEN_MAX = 256;

    private final CustomProfile profile;
    private final Map<Character, List<CustomProfile.Phrase>> phrasesByFirst = new HashMap<>();
    private final int longestPhrase;

    CustomEngine(CustomProfile profile) {
        this.profile = profile;
        int longest = 0;
        for (CustomProfile.Phrase p : profile.phrases()) {
            phrasesByFirst.computeIfAbsent(fold(p.text().charAt(0)), k -> new ArrayList<>()).add(p);
            longest = Math.max(longest, p.text().length());
        }
        this.longestPhrase = longest;
    }

    @Override
    public int maxReadAhead() {
        return Math.max(TOKEN_MAX + 1, longestPhrase + 1);
    }

    @Override
    public int scan(Window w, int from, List<Finding> out) {
        List<Finding> here = new ArrayList<>();
        for (int i = from; i < w.limit; i++) {
            w.needMore = false;
            here.clear();
            char c = w.a[i];
            if (!profile.patterns().isEmpty() && !breaksToken(c) && breaksToken(w.at(i - 1))) {
                token(w, i, here);
            }
            List<CustomProfile.Phrase> candidates = phrasesByFirst.get(fold(c));
            if (candidates != null) {
                for (CustomProfile.Phrase p : candidates) {
                    if (phraseAt(w, i, p.text())) {
                        here.add(new Finding(p.type(), profile.name(), i, i + p.text().length(), Confidence.HIGH));
                    }
                }
            }
            if (w.needMore) {
                return i;
            }
            out.addAll(here);
        }
        return w.limit;
    }

    private void token(Window w, int i, List<Finding> out) {
        int j = i;
        while (!breaksToken(w.at(j))) {
            if (++j - i > TOKEN_MAX) {
                return;
            }
        }
        if (w.needMore) {
            return;
        }
        String token = new String(w.a, i, j - i);
        for (CustomProfile.CompiledPattern p : profile.patterns()) {
            Matcher m = p.pattern().matcher(token);
            int at = 0;
            while (at <= token.length() && m.find(at)) {
                int whole = m.end();
                if (whole == m.start()) {
                    at = m.start() + 1;
                    continue;
                }
                // with a capturing group, the value is group 1 (the rest of the match is context)
                int g = m.groupCount() > 0 && m.start(1) >= 0 ? 1 : 0;
                int s = m.start(g);
                int e = m.end(g);
                if (e > s && (p.validator() == null || p.validator().test(token.substring(s, e)))) {
                    out.add(new Finding(p.type(), profile.name(), i + s, i + e,
                            p.validator() == null ? Confidence.MEDIUM : Confidence.HIGH));
                }
                at = whole;
            }
        }
    }

    /** Token separators: whitespace, quotes and the punctuation that delimits values in prose, JSON and markup. */
    static boolean breaksToken(char c) {
        return c == Chars.NONE || Chars.isSpace(c) || c == '"' || c == '\'' || c == '`' || c == ',' || c == ';'
                || c == '(' || c == ')' || c == '[' || c == ']' || c == '{' || c == '}' || c == '<' || c == '>';
    }

    private static boolean phraseAt(Window w, int i, String phrase) {
        if (joinsWord(phrase.charAt(0)) && joinsWord(w.at(i - 1))) {
            return false;
        }
        int n = phrase.length();
        for (int k = 0; k < n; k++) {
            if (fold(w.at(i + k)) != fold(phrase.charAt(k))) {
                return false;
            }
        }
        return !(joinsWord(phrase.charAt(n - 1)) && joinsWord(w.at(i + n)));
    }

    /**
     * Whether a char is part of a word in a script written with spaces. Han, kana and Thai are not: text in them
     * has no spaces between words, so a phrase in them matches wherever it occurs.
     */
    static boolean joinsWord(char c) {
        if (c < 128) {
            return Chars.isAsciiAlnum(c) || c == '_';
        }
        if (!Character.isLetterOrDigit(c)) {
            return false;
        }
        Character.UnicodeScript s = Character.UnicodeScript.of(c);
        return s != Character.UnicodeScript.HAN && s != Character.UnicodeScript.HIRAGANA
                && s != Character.UnicodeScript.KATAKANA && s != Character.UnicodeScript.THAI
                && s != Character.UnicodeScript.LAO && s != Character.UnicodeScript.KHMER;
    }

    static char fold(char c) {
        return Character.toLowerCase(Character.toUpperCase(c));
    }
}

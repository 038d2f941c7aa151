package io.aigateway.core;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Removes credentials from text before it is recorded (body heads, stored bodies), on every route: the universal
 * endpoint's steps carry provider keys in their {@code headers} and in {@code ?key=} of their {@code endpoint}, and
 * a client may paste a key into a prompt. What is replaced by {@value #MASK}:
 * <ul>
 *   <li>the values of JSON members named like an auth header or key parameter ({@code authorization},
 *       {@code x-api-key}, {@code api-key}, {@code x-goog-api-key}, {@code cf-aig-authorization}, ...);</li>
 *   <li>the values of key-like query parameters inside strings ({@code key=}, {@code api_key=}, {@code token=}, ...);</li>
 *   <li>tokens with a recognisable shape anywhere: {@code Bearer ...}, OpenAI/Anthropic {@code sk-...}, AWS access
 *       key ids {@code AKIA...}/{@code ASIA...}, Google {@code AIza...}, GitHub {@code ghp_...}, gateway tokens
 *       {@code aigw_...}.</li>
 * </ul>
 * Each expression runs only when text holds a substring every one of its matches must contain (a member name with
 * its closing quote, a parameter name with its {@code =}, a token's prefix), so most prompts and answers cost a few
 * passes of {@link String#indexOf} and no regular expression. (A looser prefilter, which let {@code "token"} and
 * {@code "gh"} through, ran all three expressions on nearly every answer, since usage says {@code "total_tokens"}:
 * two thirds of the request threads' CPU in a JFR of streamed answers.)
 */
public final class SecretScrubber {
    public static final String MASK = "[REDACTED]";

    /** In lower case: a JSON member's name as {@link #JSON_MEMBER} matches it always ends so. */
    private static final List<String> MEMBER_MARKERS = List.of("authorization\"", "api-key\"", "api_key\"",
            "apikey\"", "token\"", "access_key\"", "password\"", "secret\"");
    /** In lower case: every name {@link #QUERY_KEY} matches ends with one of these. */
    private static final List<String> QUERY_MARKERS = List.of("key=", "token=", "sig=", "signature=", "credential=");
    /** As written: every token {@link #SHAPED} matches starts with one of these ("bearer" is checked in lower case). */
    private static final List<String> SHAPE_MARKERS = List.of("sk-", "AKIA", "ASIA", "AIza", "ghp_", "gho_", "ghu_",
            "ghs_", "ghr_", "aigw_");

    private static final Pattern JSON_MEMBER = Pattern.compile(
            "(?i)(\"(?:authorization|proxy-authorization|cf-aig-authorization|x-api-key|api-key|api_key|apikey"
                    + "|x-goog-api-key|x-amz-security-token|aws_secret_access_key|secret_access_key|password"
                    + "|client_secret|access_token|refresh_token|token)\"\\s*:\\s*\")((?:[^\"\\\\]|\\\\.)*)(\")");
    private static final Pattern QUERY_KEY = Pattern.compile(
            "(?i)([?&](?:key|api_key|api-key|apikey|access_token|token|sig|signature|x-amz-signature"
                    + "|x-amz-security-token|x-amz-credential)=)([^&\"\\s#]+)");
    private static final Pattern SHAPED = Pattern.compile(
            "(?i:bearer)\\s+[A-Za-z0-9._~+/=-]{8,}"
                    + "|\\bsk-(?:ant-|proj-|svcacct-)?[A-Za-z0-9_-]{16,}"
                    + "|\\b(?:AKIA|ASIA)[0-9A-Z]{16}\\b"
                    + "|\\bAIza[0-9A-Za-z_-]{35}"
                    + "|\\bgh[pousr]_[A-Za-z0-9]{30,}"
                    + "|\\baigw_[A-Za-z0-9_-]{8,}");

    private SecretScrubber() {
    }

    public static String scrub(String text) {
        if (text == null || text.isEmpty()) {
            return text;
        }
        String lower = text.toLowerCase(Locale.ROOT);
        String out = text;
        if (containsAny(lower, MEMBER_MARKERS)) {
            out = replace(JSON_MEMBER, out, m -> m.group(1) + MASK + m.group(3));
        }
        if (containsAny(lower, QUERY_MARKERS)) {
            out = replace(QUERY_KEY, out, m -> m.group(1) + MASK);
        }
        if (lower.contains("bearer") || containsAny(text, SHAPE_MARKERS)) {
            out = replace(SHAPED, out, m -> MASK);
        }
        return out;
    }

    /** Bytes of a textual body (UTF-8); other bodies are returned as they are. */
    public static byte[] scrub(byte[] body, String contentType) {
        if (body == null || body.length == 0 || !isText(contentType)) {
            return body;
        }
        String text = new String(body, StandardCharsets.UTF_8);
        String scrubbed = scrub(text);
        return scrubbed == text ? body : scrubbed.getBytes(StandardCharsets.UTF_8);
    }

    private static boolean containsAny(String text, List<String> markers) {
        for (String marker : markers) {
            if (text.contains(marker)) {
                return true;
            }
        }
        return false;
    }

    private interface Replacement {
        String of(Matcher m);
    }

    private static String replace(Pattern pattern, String text, Replacement replacement) {
        Matcher m = pattern.matcher(text);
        if (!m.find()) {
            return text;
        }
        StringBuilder b = new StringBuilder();
        do {
            m.appendReplacement(b, Matcher.quoteReplacement(replacement.of(m)));
        } while (m.find());
        m.appendTail(b);
        return b.toString();
    }

    static boolean isText(String contentType) {
        if (contentType == null) {
            return true; // unknown: scrub as text; binary bodies seldom decode into a key's shape
        }
        String ct = contentType.toLowerCase(Locale.ROOT);
        return ct.contains("json") || ct.startsWith("text/") || ct.contains("x-www-form-urlencoded")
                || ct.contains("event-stream") || ct.contains("xml");
    }
}

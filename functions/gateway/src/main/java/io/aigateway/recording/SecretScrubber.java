package io.aigateway.recording;

import java.nio.charset.StandardCharsets;
import java.util.List;
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
 * A cheap scan for marker substrings runs first, so text without any (most prompts and answers) costs one pass of
 * {@link String#indexOf} per marker and no regular expression.
 */
public final class SecretScrubber {
    public static final String MASK = "[REDACTED]";

    private static final List<String> MARKERS = List.of("sk-", "AKIA", "ASIA", "AIza", "gh", "aigw_", "earer",
            "uthorization", "pi-key", "pi_key", "apikey", "key=", "token", "secret", "password", "x-goog");

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
        if (text == null || text.isEmpty() || !mayHoldSecret(text)) {
            return text;
        }
        String out = replace(JSON_MEMBER, text, m -> m.group(1) + MASK + m.group(3));
        out = replace(QUERY_KEY, out, m -> m.group(1) + MASK);
        return replace(SHAPED, out, m -> MASK);
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

    private static boolean mayHoldSecret(String text) {
        for (String marker : MARKERS) {
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
        String ct = contentType.toLowerCase(java.util.Locale.ROOT);
        return ct.contains("json") || ct.startsWith("text/") || ct.contains("x-www-form-urlencoded")
                || ct.contains("event-stream") || ct.contains("xml");
    }
}

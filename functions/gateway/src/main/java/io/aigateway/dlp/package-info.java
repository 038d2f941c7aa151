/**
 * DLP detection: finds payment cards, bank and government ids, contact details and credentials in text, for
 * redaction before a prompt leaves and restoration when the answer comes back. Self-contained: nothing in the
 * request pipeline uses it yet.
 *
 * <h2>Use</h2>
 * <pre>{@code
 * DlpProfiles profiles = DlpProfiles.builtIns()
 *         .with(DlpProfiles.compile(definition));          // DlpDefinitionException (an IllegalArgumentException)
 * Scanner scanner = profiles.scanner();                     // thread-safe, share it
 * List<Finding> found = scanner.scan(text, Set.of("financial", "credentials"));
 *
 * Redactor redactor = new Redactor();                       // one per request
 * String prompt = redactor.redact(text, found).text();      // "card [CREDIT_CARD_1], mail [EMAIL_1]"
 * Restorer restorer = new Restorer(redactor.placeholders());
 * String answer = restorer.restore(modelAnswer);            // or restorer.stream() for SSE
 *
 * StreamScanner s = scanner.stream(Set.of("contact"));      // streamed answers
 * StreamScanner.Step step = s.feed(chunk);                  // step.releasable() chars may go out now,
 *                                                           // step.findings() are all findings inside them
 * }</pre>
 *
 * <h2>Profiles and finding types</h2>
 * <ul>
 *   <li>{@code financial}: {@code credit_card} (Luhn and issuer prefix/length; 4-4-4-4 groups with spaces or dashes),
 *       {@code iban} (country length table and mod 97; compact or in groups of four), {@code aba_routing} (3-7-1
 *       checksum and Fed prefix; HIGH with a keyword such as "routing"/"ABA"/"RTN" nearby, LOW without)</li>
 *   <li>{@code government_id}: {@code us_ssn} (no 000/666/9xx area, 00 group, 0000 serial; ddd-dd-dddd, or 9 bare
 *       digits only next to "SSN"/"social security"), {@code jp_my_number} (12 digits, check digit; HIGH next to
 *       "マイナンバー"/"個人番号"/"My Number", LOW without), {@code cn_resident_id} (18 chars, province, birth date,
 *       ISO 7064 mod 11-2 with X)</li>
 *   <li>{@code contact}: {@code email}, {@code phone} (E.164 +CC..., US (415) 555-0100 / 415-555-0100, Japan
 *       03-1234-5678 / 090-1234-5678, China 138 1234 5678), {@code ipv4}, {@code ipv6} (full, compressed,
 *       with a dotted quad)</li>
 *   <li>{@code credentials}: {@code aws_access_key_id}, {@code aws_secret_key} (40 chars, only next to "secret" or
 *       "aws"), {@code openai_key}, {@code anthropic_key}, {@code google_api_key}, {@code github_token},
 *       {@code jwt} (the header must decode to JSON with "alg"), {@code private_key} (PEM block)</li>
 * </ul>
 * {@link io.aigateway.dlp.Scanner#scan(CharSequence, java.util.Set)} reports MEDIUM and HIGH findings; pass
 * {@link io.aigateway.dlp.Confidence#LOW} to also get the weak ones.
 *
 * <h2>Design</h2>
 * The built-in detectors share one forward pass ({@code BuiltinEngine}): characters that cannot start a candidate
 * are skipped with a table lookup, and at a token start the detectors are tried in a fixed order, first match wins.
 * Detectors read through a {@code Window} that flags any read past the text received so far, which makes the
 * {@link io.aigateway.dlp.StreamScanner} decide every candidate on the same characters as a whole-text scan (see
 * its doc for the holdback bound). Custom profiles ({@link io.aigateway.dlp.ProfileDefinition}) run RE2/J regexes,
 * linear in the input, over tokens of at most 256 chars, and case-insensitive whole-word lists.
 *
 * <p>A {@link io.aigateway.dlp.Finding} holds a span, never the value, so it is safe to log.
 */
package io.aigateway.dlp;

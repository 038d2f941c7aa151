package io.aigateway.config;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What a {@code rate_limiting_rules} entry counts per: the client IP, a request header's value, or a
 * {@code cf-aig-metadata} key's value. Written {@code ip}, {@code header:<name>}, {@code metadata:<key>}.
 */
public sealed interface RuleScope {
    /** The wire form; also part of the counter's key, so it never changes for a given scope. */
    String label();

    record Ip() implements RuleScope {
        @Override
        public String label() {
            return "ip";
        }
    }

    /** @param name lower case */
    record Header(String name) implements RuleScope {
        @Override
        public String label() {
            return "header:" + name;
        }
    }

    /** @param key as written (metadata keys are case-sensitive) */
    record Metadata(String key) implements RuleScope {
        @Override
        public String label() {
            return "metadata:" + key;
        }
    }

    Pattern HEADER = Pattern.compile("[a-z0-9-]{1,64}");
    Pattern METADATA_KEY = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

    /** The scope written {@code text}; empty when it is none of the three forms (callers answer 400). */
    static Optional<RuleScope> parse(String text) {
        if (text == null) {
            return Optional.empty();
        }
        String lower = text.toLowerCase(Locale.ROOT);
        if (lower.equals("ip")) {
            return Optional.of(new Ip());
        }
        if (lower.startsWith("header:") && HEADER.matcher(lower.substring(7)).matches()) {
            return Optional.of(new Header(lower.substring(7)));
        }
        if (lower.startsWith("metadata:") && METADATA_KEY.matcher(text.substring(9)).matches()) {
            return Optional.of(new Metadata(text.substring(9)));
        }
        return Optional.empty();
    }
}

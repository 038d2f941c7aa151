package io.aigateway.plugin.headerguard;

import io.aigateway.plugin.GatewayPlugin;
import io.aigateway.plugin.PluginRequest;
import io.aigateway.plugin.RequestDecision;

import java.util.regex.Pattern;

/** header-guard bound to one config; immutable, shared by every request of the gateways using it. */
final class HeaderGuard implements GatewayPlugin.Configured {
    /** Regex steps allowed per scanned character: generous for sane patterns, fatal for catastrophic ones. */
    static final long STEPS_PER_CHAR = 200;

    private final RequestDecision.Modify addHeaders;
    private final Pattern pattern;
    private final String message;
    private final int maxChars;

    HeaderGuard(RequestDecision.Modify addHeaders, Pattern pattern, String message, int maxChars) {
        this.addHeaders = addHeaders;
        this.pattern = pattern;
        this.message = message;
        this.maxChars = maxChars;
    }

    @Override
    public RequestDecision onRequest(PluginRequest request) {
        if (pattern != null) {
            String text = PromptText.of(request.body(), maxChars);
            if (!text.isEmpty() && matches(text)) {
                return RequestDecision.block(message).annotate("rule", "block_pattern");
            }
        }
        return addHeaders == null ? RequestDecision.allow() : addHeaders;
    }

    private boolean matches(String text) {
        BudgetedChars chars = new BudgetedChars(text, STEPS_PER_CHAR * text.length() + 10_000);
        return pattern.matcher(chars).find();
    }

    /**
     * The text as a CharSequence that counts the reads the regex engine makes and stops it past a budget: Java's
     * matcher has no time limit, and a backtracking pattern can take exponential time on a short prompt.
     */
    static final class BudgetedChars implements CharSequence {
        private final String text;
        private final long[] left;
        private final int start;
        private final int end;

        BudgetedChars(String text, long budget) {
            this(text, new long[]{budget}, 0, text.length());
        }

        private BudgetedChars(String text, long[] left, int start, int end) {
            this.text = text;
            this.left = left;
            this.start = start;
            this.end = end;
        }

        @Override
        public char charAt(int index) {
            if (--left[0] < 0) {
                throw new IllegalStateException("block_pattern needs too many steps on this prompt; simplify it");
            }
            return text.charAt(start + index);
        }

        @Override
        public int length() {
            return end - start;
        }

        @Override
        public CharSequence subSequence(int from, int to) {
            return new BudgetedChars(text, left, start + from, start + to);
        }

        @Override
        public String toString() {
            return text.substring(start, end);
        }
    }
}

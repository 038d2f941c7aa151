package io.aigateway.guard;

/**
 * What a streamed answer's text goes through, for one stream: a check (scan, redact or {@link DlpBlock}) or a
 * restoration of placeholders. Text deltas arrive per channel (an OpenAI choice, an Anthropic content block, a
 * Gemini candidate), in order, and may come out later than they went in (a filter holds back what it cannot
 * decide yet); strings that are not deltas are filtered whole.
 */
interface StreamText {
    Channel channel();

    /** A string of an event that is not a text delta (a final text, a summary), filtered on its own. */
    String whole(String text);

    interface Channel {
        /** The text that may go out now (possibly empty). */
        String feed(String text);

        /** The channel ended: everything held back. */
        String finish();
    }
}

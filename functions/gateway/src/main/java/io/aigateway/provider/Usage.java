package io.aigateway.provider;

import java.math.BigDecimal;
import java.util.function.Function;

/**
 * Token counts of one provider answer, normalised to one meaning whatever the provider's shape
 * ({@link UsageReader} does the mapping). -1 means "not reported".
 *
 * <h2>What each count means</h2>
 * <ul>
 *   <li>{@link #tokensIn()}: <b>all</b> input tokens of the request, <b>including</b> the ones read from the
 *       provider's prompt cache and the ones written to it. OpenAI ({@code prompt_tokens}, {@code input_tokens}),
 *       Gemini ({@code promptTokenCount}) and DeepSeek already count them in; Anthropic and Bedrock do not
 *       ({@code input_tokens} / {@code inputTokens} exclude cache reads and writes), so there
 *       tokensIn = input + cache read + cache write.</li>
 *   <li>{@link #cacheReadTokens()}: the part of tokensIn served from the prompt cache (billed at the cached-input
 *       price). {@link #cacheWriteTokens()}: the part of tokensIn written to the cache (Anthropic cache creation,
 *       Bedrock cache write; billed at the cache-write price), of which {@link #cacheWrite1hTokens()} used
 *       Anthropic's one-hour TTL. {@link #uncachedTokensIn()}: the rest, billed at the input price.</li>
 *   <li>{@link #tokensOut()}: <b>all</b> output tokens, <b>including</b> reasoning / thinking tokens (which every
 *       provider bills at the output price). Gemini's {@code candidatesTokenCount} excludes
 *       {@code thoughtsTokenCount}, and some OpenAI-compatible providers leave reasoning out of
 *       {@code completion_tokens} (their {@code total_tokens} shows it), so those are added in.</li>
 *   <li>{@link #reasoningTokens()}: the part of tokensOut spent on reasoning (informational).</li>
 *   <li>{@link #estimated()}: some count was not reported by the provider but estimated with a tokenizer (a stream
 *       without usage, for example OpenAI without {@code stream_options.include_usage}). The tokenizing is
 *       deferred to the first read of a count, so it never delays the end of a stream.</li>
 * </ul>
 *
 * <p>Providers report cumulative counts (a stream's last event carries the totals, Anthropic splits input and
 * output across events, Gemini repeats them in every chunk), so each count keeps the largest value seen.
 * Counts from the body are authoritative; counts from response headers (Bedrock InvokeModel, see
 * {@link #offerHeaders(Function)}) are used only when the body reported none.
 */
public final class Usage {
    /** Bedrock InvokeModel response headers carrying token counts. */
    public static final String BEDROCK_INPUT_HEADER = "x-amzn-bedrock-input-token-count";
    public static final String BEDROCK_OUTPUT_HEADER = "x-amzn-bedrock-output-token-count";
    public static final String BEDROCK_CACHE_READ_HEADER = "x-amzn-bedrock-cache-read-input-token-count";
    public static final String BEDROCK_CACHE_WRITE_HEADER = "x-amzn-bedrock-cache-write-input-token-count";

    private long tokensIn = -1;
    private long tokensOut = -1;
    private long cacheRead = -1;
    private long cacheWrite = -1;
    private long cacheWrite1h = -1;
    private long reasoning = -1;

    private long headerIn = -1;
    private long headerOut = -1;
    private long headerCacheRead = -1;
    private long headerCacheWrite = -1;

    private boolean estimated;
    private BigDecimal providerCost;
    private String model;
    /** An estimate a tap deferred (tokenizing costs time): run by the first reader of a count, off the stream. */
    private volatile Runnable pendingEstimate;

    /** Total input tokens, cache reads and writes included (see the class comment). */
    public void offerIn(long value) {
        if (value > tokensIn) {
            tokensIn = value;
        }
    }

    /** Total output tokens, reasoning included. */
    public void offerOut(long value) {
        if (value > tokensOut) {
            tokensOut = value;
        }
    }

    public void offerCacheRead(long value) {
        if (value > cacheRead) {
            cacheRead = value;
        }
    }

    public void offerCacheWrite(long value) {
        if (value > cacheWrite) {
            cacheWrite = value;
        }
    }

    /** The part of the cache writes made with a one-hour TTL (Anthropic {@code ephemeral_1h_input_tokens}). */
    public void offerCacheWrite1h(long value) {
        if (value > cacheWrite1h) {
            cacheWrite1h = value;
        }
    }

    public void offerReasoning(long value) {
        if (value > reasoning) {
            reasoning = value;
        }
    }

    /** A cost in USD the provider itself reported for this answer (OpenRouter, Perplexity). */
    public void offerProviderCost(BigDecimal usd) {
        if (usd != null && usd.signum() >= 0 && (providerCost == null || usd.compareTo(providerCost) > 0)) {
            providerCost = usd;
        }
    }

    public void offerModel(String value) {
        if (model == null && value != null && !value.isBlank()) {
            model = value;
        }
    }

    /**
     * Token counts from response headers, for Bedrock InvokeModel (whose body is the model vendor's own format and
     * may carry no usage). Pass the upstream response's header lookup, e.g. {@code usage.offerHeaders(h::firstOrNull)};
     * reads {@value #BEDROCK_INPUT_HEADER}, {@value #BEDROCK_OUTPUT_HEADER}, {@value #BEDROCK_CACHE_READ_HEADER} and
     * {@value #BEDROCK_CACHE_WRITE_HEADER}. Absent or malformed values are ignored. May be called before or after
     * the body is read: the body's counts win whenever it reports any.
     */
    public void offerHeaders(Function<String, String> header) {
        offerHeaderCounts(header.apply(BEDROCK_INPUT_HEADER), header.apply(BEDROCK_OUTPUT_HEADER),
                header.apply(BEDROCK_CACHE_READ_HEADER), header.apply(BEDROCK_CACHE_WRITE_HEADER));
    }

    /**
     * The same as {@link #offerHeaders(Function)} with the raw header values (any may be null). As in Bedrock's
     * Converse usage, the input count excludes cache reads and writes.
     */
    public void offerHeaderCounts(String input, String output, String cacheReadInput, String cacheWriteInput) {
        headerIn = Math.max(headerIn, parseCount(input));
        headerOut = Math.max(headerOut, parseCount(output));
        headerCacheRead = Math.max(headerCacheRead, parseCount(cacheReadInput));
        headerCacheWrite = Math.max(headerCacheWrite, parseCount(cacheWriteInput));
    }

    /**
     * Fills in counts the provider did not report with estimates, and marks this usage {@link #estimated()}.
     * Negative arguments are ignored; reported counts are never replaced.
     */
    public void offerEstimate(long in, long out) {
        if (fromHeaders()) { // keep what the headers said once the body fields fill up
            long hIn = tokensIn();
            tokensOut = headerOut;
            cacheRead = headerCacheRead;
            cacheWrite = headerCacheWrite;
            tokensIn = hIn;
        }
        if (in >= 0 && tokensIn() < 0) {
            tokensIn = in;
            estimated = true;
        }
        if (out >= 0 && tokensOut() < 0) {
            tokensOut = out;
            estimated = true;
        }
    }

    /**
     * Defers an estimate (see {@link #offerEstimate}) to the first read of a count, so tokenizing never holds up the
     * end of a stream: the request recorder reads the counts in the background.
     */
    void deferEstimate(Runnable estimate) {
        pendingEstimate = estimate;
    }

    private void resolve() {
        if (pendingEstimate != null) {
            synchronized (this) {
                Runnable r = pendingEstimate;
                if (r != null) {
                    pendingEstimate = null;
                    r.run();
                }
            }
        }
    }

    private boolean bodyReported() {
        return tokensIn >= 0 || tokensOut >= 0;
    }

    /** True once the body (not headers, not an estimate) reported a count: a tap may stop collecting text. */
    boolean reportedByBody() {
        return (tokensIn >= 0 || tokensOut >= 0) && !estimated;
    }

    private boolean fromHeaders() {
        return !bodyReported() && (headerIn >= 0 || headerOut >= 0);
    }

    /** All input tokens, cached ones included (cache reads + cache writes + the rest); -1 if unknown. */
    public long tokensIn() {
        resolve();
        if (fromHeaders()) {
            return headerIn < 0 ? -1 : headerIn + Math.max(0, headerCacheRead) + Math.max(0, headerCacheWrite);
        }
        return tokensIn;
    }

    /** All output tokens, reasoning included; -1 if unknown. */
    public long tokensOut() {
        resolve();
        return fromHeaders() ? headerOut : tokensOut;
    }

    /** Input tokens read from the prompt cache (part of {@link #tokensIn()}); -1 if not reported. */
    public long cacheReadTokens() {
        resolve();
        return fromHeaders() ? headerCacheRead : cacheRead;
    }

    /** Input tokens written to the prompt cache (part of {@link #tokensIn()}); -1 if not reported. */
    public long cacheWriteTokens() {
        resolve();
        return fromHeaders() ? headerCacheWrite : cacheWrite;
    }

    /** The part of {@link #cacheWriteTokens()} written with a one-hour TTL (Anthropic); -1 if not reported. */
    public long cacheWrite1hTokens() {
        resolve();
        return fromHeaders() ? -1 : cacheWrite1h;
    }

    /** Input tokens neither read from nor written to a cache: tokensIn - cache read - cache write; -1 if unknown. */
    public long uncachedTokensIn() {
        resolve();
        long in = tokensIn();
        if (in < 0) {
            return -1;
        }
        return Math.max(0, in - Math.max(0, cacheReadTokens()) - Math.max(0, cacheWriteTokens()));
    }

    /** Output tokens spent on reasoning / thinking (part of {@link #tokensOut()}); -1 if not reported. */
    public long reasoningTokens() {
        resolve();
        return fromHeaders() ? -1 : reasoning;
    }

    /** True when a count was estimated with a tokenizer rather than reported by the provider. */
    public boolean estimated() {
        resolve();
        return estimated;
    }

    /** The provider's own cost figure in USD (OpenRouter {@code usage.cost}, Perplexity {@code usage.cost.total_cost}), or null. */
    public BigDecimal providerCostUsd() {
        return providerCost;
    }

    /** The model the provider says answered (response {@code model} / {@code modelVersion}), or null. */
    public String model() {
        return model;
    }

    /** True when some token count is known (reported, from headers, or estimated). */
    public boolean reported() {
        resolve();
        return tokensIn() >= 0 || tokensOut() >= 0;
    }

    @Override
    public String toString() {
        resolve();
        return "Usage{in=" + tokensIn() + ", out=" + tokensOut() + ", cacheRead=" + cacheReadTokens()
                + ", cacheWrite=" + cacheWriteTokens() + ", reasoning=" + reasoningTokens()
                + (estimated ? ", estimated" : "") + (model == null ? "" : ", model=" + model) + "}";
    }

    private static long parseCount(String raw) {
        if (raw == null) {
            return -1;
        }
        try {
            long v = Long.parseLong(raw.trim());
            return v >= 0 ? v : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}

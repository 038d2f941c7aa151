package io.aigateway.compat;

/**
 * A request parameter (or value) the target provider cannot honour. The pipeline turns it into a 400 with gateway
 * code 2048 naming {@link #param()}: refusing is better than silently answering a different question.
 */
public final class UnsupportedParameterException extends RuntimeException {
    private final String param;
    private final String provider;

    /**
     * @param param    the OpenAI parameter, as a path when nested (for example {@code messages[2].content[0].image_url})
     * @param provider the provider slug, null when none was resolved yet
     */
    public UnsupportedParameterException(String param, String provider, String message) {
        super(message, null, false, false);
        this.param = param;
        this.provider = provider;
    }

    public String param() {
        return param;
    }

    public String provider() {
        return provider;
    }

    /** The gateway error code of the public contract for this refusal. */
    public static final int GATEWAY_CODE = 2048;
}

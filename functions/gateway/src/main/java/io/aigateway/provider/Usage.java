package io.aigateway.provider;

/**
 * Token counts read from a provider's response. Providers report cumulative counts (a stream's last event
 * carries the totals, Anthropic splits input and output across events), so each count keeps the largest value
 * seen. -1 means "not reported".
 */
public final class Usage {
    private long tokensIn = -1;
    private long tokensOut = -1;
    private String model;

    public void offerIn(long value) {
        if (value > tokensIn) {
            tokensIn = value;
        }
    }

    public void offerOut(long value) {
        if (value > tokensOut) {
            tokensOut = value;
        }
    }

    public void offerModel(String value) {
        if (model == null && value != null && !value.isBlank()) {
            model = value;
        }
    }

    public long tokensIn() {
        return tokensIn;
    }

    public long tokensOut() {
        return tokensOut;
    }

    public String model() {
        return model;
    }

    public boolean reported() {
        return tokensIn >= 0 || tokensOut >= 0;
    }
}

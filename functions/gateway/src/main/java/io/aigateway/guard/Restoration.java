package io.aigateway.guard;

import io.aigateway.dlp.Restorer;
import io.aigateway.dlp.StreamRestorer;

/** Puts the request's redacted values back where the answer repeats their placeholders. */
final class Restoration implements StreamText {
    private final Restorer restorer;

    Restoration(Restorer restorer) {
        this.restorer = restorer;
    }

    @Override
    public String whole(String text) {
        return text.indexOf('[') < 0 ? text : restorer.restore(text);
    }

    @Override
    public Channel channel() {
        StreamRestorer r = restorer.stream();
        return new Channel() {
            @Override
            public String feed(String text) {
                return r.feed(text);
            }

            @Override
            public String finish() {
                return r.finish();
            }
        };
    }
}

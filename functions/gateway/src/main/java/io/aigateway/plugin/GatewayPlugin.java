package io.aigateway.plugin;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A gateway plug-in, found with {@link java.util.ServiceLoader} (list the class in
 * {@code META-INF/services/io.aigateway.plugin.GatewayPlugin}). One instance per process; a gateway's settings
 * name it under {@code plugins} with a JSON {@code config}, and {@link #configure} turns that config into the
 * {@link Configured} instance that sees the gateway's requests.
 *
 * <p>Plug-ins run on the request's thread, in the order the gateway lists them, and must be thread-safe: one
 * configured instance serves every concurrent request of the gateways that share its settings. An exception thrown
 * from any method is caught by the gateway, logged with its stack trace, and handled as the entry's {@code fail}
 * says (default: closed, the request is refused with 403 naming the plug-in).
 */
public interface GatewayPlugin {

    /** The name settings refer to: 1 to 64 of {@code a-z 0-9 _ -}, starting with a letter or digit; unique. */
    String name();

    /**
     * Validates this plug-in's own config and returns an instance bound to it. Called when a gateway's settings are
     * saved (a bad config is a 400 quoting the exception's message) and again when a process first uses them, so
     * do the expensive work (compiling patterns, parsing lists) here, once.
     *
     * <p>The default suits a plug-in without config: it refuses a non-empty config and runs this object's own
     * {@link #onRequest} and {@link #onResponse}.
     *
     * @param config the entry's {@code config}: a JSON object, empty when the entry has none
     * @throws IllegalArgumentException with a message that says what to change
     */
    default Configured configure(JsonNode config) {
        if (config != null && !config.isNull() && !config.isEmpty()) {
            throw new IllegalArgumentException("plug-in '" + name() + "' takes no config");
        }
        GatewayPlugin self = this;
        return new Configured() {
            @Override
            public RequestDecision onRequest(PluginRequest request) {
                return self.onRequest(request);
            }

            @Override
            public ResponseDecision onResponse(PluginResponse response) {
                return self.onResponse(response);
            }
        };
    }

    /** Used by the default {@link #configure} only. */
    default RequestDecision onRequest(PluginRequest request) {
        return RequestDecision.allow();
    }

    /** Used by the default {@link #configure} only. */
    default ResponseDecision onResponse(PluginResponse response) {
        return ResponseDecision.allow();
    }

    /** A plug-in bound to one config. Both methods default to allowing, so implement only the phase you need. */
    interface Configured {

        /**
         * Before the cache lookup (entry {@code at: before_cache}): allow, block, or change the JSON body and the
         * headers sent to the provider. The request's headers arrive without credentials.
         */
        default RequestDecision onRequest(PluginRequest request) {
            return RequestDecision.allow();
        }

        /**
         * After the provider answered (entry {@code at: after_response}). For a buffered answer: allow, block (the
         * client gets 403 instead), or replace the JSON body and add response headers. For a streamed answer
         * ({@link PluginResponse#streamed()}) this runs once after the last byte was sent, on the captured answer:
         * only allowing and annotating take effect; a block keeps the answer out of the cache and is recorded in
         * the log, a modify is ignored (and recorded).
         */
        default ResponseDecision onResponse(PluginResponse response) {
            return ResponseDecision.allow();
        }
    }
}

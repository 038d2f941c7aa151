package io.aigateway.compatapi;

import io.aigateway.compat.UnsupportedParameterException;
import io.aigateway.core.Headers;
import io.aigateway.provider.Provider;

import java.util.Locale;
import java.util.Set;

/**
 * Where each provider wants the key an OpenAI SDK sends as {@code Authorization: Bearer <key>}: the header its
 * registry entry names ({@link Provider#keyHeader()}). Providers that take a bearer token themselves (the
 * OpenAI-compatible ones, Cohere, Workers AI, Vertex with an OAuth access token, Bedrock with a Bedrock API key) keep
 * it as it is.
 */
final class ProviderAuth {
    private static final String BEDROCK = "aws-bedrock";

    private ProviderAuth() {
    }

    /**
     * {@code headers} with the client's key moved where {@code provider} reads it. Another provider's key header
     * (a client of a route across providers sends each provider's key in that provider's header) never goes along.
     */
    /**
     * @param keyHeaders   every provider's own key header ({@link io.aigateway.provider.ProviderRegistry#ownKeyHeaders})
     * @param gatewaySigns the gateway holds AWS credentials for this Bedrock request and signs it itself
     */
    static Headers.Builder apply(Provider target, Set<String> keyHeaders, Headers.Builder headers, Headers client,
                                 boolean gatewaySigns) {
        String provider = target.slug();
        String own = target.keyHeader() == null || "authorization".equals(target.keyHeader().name())
                ? null : target.keyHeader().name();
        keyHeaders.forEach(h -> {
            if (!h.equals(own)) {
                headers.remove(h);
            }
        });
        String authorization = client.firstOrNull("authorization");
        if (BEDROCK.equals(provider)) {
            if (!gatewaySigns) {
                checkBedrock(authorization);
            }
            return headers;
        }
        String key = bearer(authorization);
        if (own == null || key == null) {
            return headers; // the provider reads the bearer token itself, or there is none
        }
        if (client.contains(own)) {
            return headers.remove("authorization"); // the client put the key where the provider reads it already
        }
        if ("azure-openai".equals(provider) && key.startsWith("eyJ")) {
            return headers; // a Microsoft Entra ID token (a JWT): Azure takes it as a bearer token
        }
        return headers.remove("authorization").set(own, target.keyHeader().value(key));
    }

    /**
     * The gateway can send only what it can authenticate after translating the body: a Bedrock API key (a bearer
     * token) covers any body, a client's SigV4 signature covers only the body the client signed.
     */
    private static void checkBedrock(String authorization) {
        if (authorization == null || authorization.isBlank()) {
            throw new UnsupportedParameterException("authorization", BEDROCK, "aws-bedrock through /compat needs a "
                    + "Bedrock API key sent as 'Authorization: Bearer <key>' (the OpenAI SDK's api_key), or AWS "
                    + "credentials held by the gateway (a stored aws-bedrock key, or bedrock_credentials: "
                    + "function_role) to sign the translated request with");
        }
        if (authorization.toUpperCase(Locale.ROOT).startsWith("AWS4-HMAC-SHA256")) {
            throw new UnsupportedParameterException("authorization", BEDROCK, "a client's SigV4 signature cannot "
                    + "cover the body the gateway translates for Bedrock Converse; send a Bedrock API key as "
                    + "'Authorization: Bearer <key>' instead, or store AWS credentials for the gateway to sign with");
        }
    }

    private static String bearer(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        String key = authorization.substring(7).trim();
        return key.isEmpty() ? null : key;
    }
}

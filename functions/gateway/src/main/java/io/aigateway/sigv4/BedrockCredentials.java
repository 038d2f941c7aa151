package io.aigateway.sigv4;

import io.aigateway.byok.ProviderKeyStep;
import io.aigateway.byok.ProviderKeys;
import io.aigateway.config.GatewaySettings;
import io.aigateway.core.ErrorCode;
import io.aigateway.core.GatewayException;
import io.aigateway.core.Headers;
import io.aigateway.pipeline.RequestContext;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Which AWS credentials, if any, the gateway signs a Bedrock request with. Only on a gateway with authentication on
 * (else anyone reaching it could spend the credentials):
 * <ol>
 *   <li>under {@code client_provider_keys: allow}, a client that sends a Bedrock API key
 *       ({@code Authorization: Bearer ...}) and no {@code cf-aig-byok-alias} uses it: nothing is signed;</li>
 *   <li>the stored {@code aws-bedrock} key of the alias ({@code cf-aig-byok-alias}, default {@code default});</li>
 *   <li>with none stored and {@code bedrock_credentials: function_role}, the gateway's own identity;</li>
 *   <li>else, under {@code allow}, the client's own credentials go upstream as sent (a request the client signed
 *       for the real Bedrock host); under {@code deny}, or for an alias that is not stored, 400.</li>
 * </ol>
 * A client's SigV4 signature never counts as a client key here: a client that points an AWS SDK at the gateway signs
 * for the gateway's host, which Bedrock would refuse, and the gateway cannot tell it from one signed for Bedrock.
 */
public final class BedrockCredentials {
    public static final String PROVIDER = "aws-bedrock";

    private final ProviderKeys keys;
    private final Supplier<AwsCredentialsIdentity> functionRole;

    public BedrockCredentials(ProviderKeys keys, Supplier<AwsCredentialsIdentity> functionRole) {
        this.keys = keys;
        this.functionRole = functionRole;
    }

    /** The credentials to sign a request to Bedrock with; empty: the request goes as the client sent it. */
    public Optional<AwsCredentialsIdentity> held(RequestContext ex, Headers client) {
        GatewaySettings settings = ex.settings();
        if (settings == null || !settings.authentication()) {
            return Optional.empty();
        }
        String asked = client.firstOrNull(ProviderKeyStep.ALIAS_HEADER);
        if (asked != null && !ProviderKeys.ALIAS.matcher(asked).matches()) {
            throw new GatewayException(ErrorCode.BAD_HEADER, ProviderKeyStep.ALIAS_HEADER
                    + " must be 1-64 letters, digits, '_' or '-' (the alias of a stored provider key).");
        }
        boolean allowClientKey = settings.governance().clientProviderKeys();
        if (allowClientKey && asked == null && isBearer(client.firstOrNull("authorization"))) {
            return Optional.empty();
        }
        String alias = asked == null ? ProviderKeys.DEFAULT_ALIAS : asked;
        Optional<String> stored;
        try {
            stored = keys.resolve(ex.gatewayId(), PROVIDER, alias, settings.governance().providerKeysVersion());
        } catch (RuntimeException storeDown) {
            ex.storeError();
            throw new GatewayException(ErrorCode.SETTINGS_UNAVAILABLE, "The stored key for provider '" + PROVIDER
                    + "' could not be read right now; try again.");
        }
        if (stored.isPresent()) {
            try {
                return Optional.of(AwsKey.parse(stored.get()));
            } catch (IllegalArgumentException malformed) {
                throw new GatewayException(ErrorCode.BAD_REQUEST, "The stored aws-bedrock key under alias '" + alias
                        + "' is not AWS credentials (" + malformed.getMessage() + "); store it again with PUT"
                        + " /api/v1/gateways/" + ex.gatewayId() + "/provider-keys/" + PROVIDER + "/" + alias + ".");
            }
        }
        if (asked == null && settings.governance().bedrockFunctionRole()) {
            try {
                return Optional.of(functionRole.get());
            } catch (RuntimeException none) {
                throw new GatewayException(ErrorCode.INTERNAL, "Gateway '" + ex.gatewayId() + "' signs Bedrock "
                        + "requests with its own AWS identity (bedrock_credentials: function_role), but no AWS "
                        + "credentials could be found for it; give the function a role, or store a key.");
            }
        }
        if (!allowClientKey || asked != null) {
            throw new GatewayException(ErrorCode.BAD_REQUEST, "Gateway '" + ex.gatewayId() + "' has no stored key "
                    + "for provider '" + PROVIDER + "' under alias '" + alias + "'. Store AWS credentials with PUT "
                    + "/api/v1/gateways/" + ex.gatewayId() + "/provider-keys/" + PROVIDER + "/" + alias
                    + " {\"key\": \"" + AwsKey.SHAPE + "\"}" + (allowClientKey ? "." : ", set bedrock_credentials: "
                    + "function_role, or allow client keys (client_provider_keys: allow)."));
        }
        return Optional.empty();
    }

    private static boolean isBearer(String authorization) {
        return authorization != null && authorization.toLowerCase(Locale.ROOT).startsWith("bearer ");
    }
}

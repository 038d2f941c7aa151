package io.aigateway.sigv4;

import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.AwsSessionCredentialsIdentity;

import java.util.Map;
import java.util.function.Supplier;

/**
 * The gateway's own AWS identity ({@code bedrock_credentials: function_role}): the SDK's default credentials chain,
 * which on Lambda is the function's role (environment variables, or the container endpoint under SnapStart) and
 * locally the usual profile or environment. The chain is built on first use only, so a gateway that never signs with
 * it never looks for credentials. Credentials named in the gateway's environment map (as the chain's first link
 * reads them) come first, so the local runtime and tests can pass them explicitly.
 */
public final class FunctionCredentials implements Supplier<AwsCredentialsIdentity> {
    private final Supplier<AwsCredentialsIdentity> source;

    private FunctionCredentials(Supplier<AwsCredentialsIdentity> source) {
        this.source = source;
    }

    public static FunctionCredentials from(Map<String, String> env) {
        String id = env.get("AWS_ACCESS_KEY_ID");
        String secret = env.get("AWS_SECRET_ACCESS_KEY");
        if (id != null && !id.isBlank() && secret != null && !secret.isBlank()) {
            String token = env.get("AWS_SESSION_TOKEN");
            AwsCredentialsIdentity fixed = token == null || token.isBlank()
                    ? AwsCredentialsIdentity.create(id, secret)
                    : AwsSessionCredentialsIdentity.create(id, secret, token);
            return new FunctionCredentials(() -> fixed);
        }
        return new FunctionCredentials(new Supplier<>() {
            private volatile AwsCredentialsProvider chain;

            @Override
            public AwsCredentialsIdentity get() {
                AwsCredentialsProvider c = chain;
                if (c == null) {
                    synchronized (this) {
                        if (chain == null) {
                            chain = DefaultCredentialsProvider.builder().build();
                        }
                        c = chain;
                    }
                }
                return c.resolveCredentials(); // refreshed by the chain before they expire
            }
        });
    }

    /** @throws RuntimeException when no credentials can be found */
    @Override
    public AwsCredentialsIdentity get() {
        return source.get();
    }
}

package io.aigateway.dlpengine;

import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.IdentityProvider;
import software.amazon.awssdk.identity.spi.ResolveIdentityRequest;
import software.amazon.awssdk.regions.Region;

import java.net.URI;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * How the engines' SDK clients reach AWS: the gateway's HTTP client, the function's credentials, the region of the
 * engine (else AWS_REGION), and an endpoint override from the process environment only
 * ({@code GATEWAY_DLP_BEDROCK_ENDPOINT}, {@code GATEWAY_DLP_COMPREHEND_ENDPOINT}: tests, LocalStack); no gateway
 * setting and no request can point an engine elsewhere. One retry at most: the whole call has a deadline of a
 * second or so, and a second retry would rarely fit in it.
 */
final class AwsAccess {
    static final String BEDROCK_ENDPOINT = "GATEWAY_DLP_BEDROCK_ENDPOINT";
    static final String COMPREHEND_ENDPOINT = "GATEWAY_DLP_COMPREHEND_ENDPOINT";

    private final Map<String, String> env;
    private final Supplier<SdkHttpClient> http;
    private final Supplier<AwsCredentialsIdentity> credentials;

    AwsAccess(Map<String, String> env, Supplier<SdkHttpClient> http, Supplier<AwsCredentialsIdentity> credentials) {
        this.env = env;
        this.http = http;
        this.credentials = credentials;
    }

    <B extends AwsClientBuilder<B, C> & AwsSyncClientBuilder<B, C>, C> C build(B builder, String region,
                                                                           String endpointVariable) {
        builder.httpClient(http.get())
                .region(Region.of(region != null ? region : defaultRegion()))
                .credentialsProvider(identity(credentials))
                .overrideConfiguration(ClientOverrideConfiguration.builder()
                        .retryStrategy(AwsRetryStrategy.standardRetryStrategy().toBuilder().maxAttempts(2).build())
                        .build());
        String endpoint = env.get(endpointVariable);
        if (endpoint != null && !endpoint.isBlank()) {
            builder.endpointOverride(URI.create(endpoint.trim()));
        }
        return builder.build();
    }

    private String defaultRegion() {
        String r = env.get("AWS_REGION");
        if (r == null || r.isBlank()) {
            r = System.getenv("AWS_REGION");
        }
        return r == null || r.isBlank() ? "us-east-1" : r;
    }

    private static IdentityProvider<AwsCredentialsIdentity> identity(Supplier<AwsCredentialsIdentity> source) {
        return new IdentityProvider<>() {
            @Override
            public Class<AwsCredentialsIdentity> identityType() {
                return AwsCredentialsIdentity.class;
            }

            @Override
            public CompletableFuture<AwsCredentialsIdentity> resolveIdentity(ResolveIdentityRequest request) {
                try {
                    return CompletableFuture.completedFuture(source.get());
                } catch (RuntimeException e) {
                    return CompletableFuture.failedFuture(e);
                }
            }
        };
    }
}

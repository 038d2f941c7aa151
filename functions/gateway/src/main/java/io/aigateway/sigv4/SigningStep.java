package io.aigateway.sigv4;

import io.aigateway.core.ErrorCode;
import io.aigateway.core.GatewayException;
import io.aigateway.core.GatewayRequest;
import io.aigateway.core.GatewayResponse;
import io.aigateway.core.Headers;
import io.aigateway.pipeline.Interceptor;
import io.aigateway.pipeline.ProxyRequest;
import io.aigateway.provider.ProxyRoute;
import io.aigateway.upstream.HeaderPolicy;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4FamilyHttpSigner;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

import java.net.URI;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The provider step just before the call: signs a Bedrock request with SigV4 (service {@code bedrock}, the region
 * from the route) when the gateway holds credentials for it ({@link BedrockCredentials}). It runs after every step
 * that may change the request (compat translation, plug-ins), so the signature covers the body actually sent, and it
 * signs exactly the fields {@link HeaderPolicy} lets through, for the host the request goes to: the real Bedrock
 * host (or the test override's). Any signature the client sent is replaced.
 */
public final class SigningStep implements Interceptor {
    static final String SERVICE = "bedrock";

    private final BedrockCredentials credentials;
    private final AwsV4HttpSigner signer = AwsV4HttpSigner.create();
    private final Clock clock;

    public SigningStep(BedrockCredentials credentials) {
        this(credentials, Clock.systemUTC());
    }

    SigningStep(BedrockCredentials credentials, Clock clock) {
        this.credentials = credentials;
        this.clock = clock;
    }

    @Override
    public GatewayResponse intercept(Chain chain) {
        ProxyRequest request = chain.request();
        ProxyRoute route = request.route();
        if (route == null || !BedrockCredentials.PROVIDER.equals(route.provider().slug())) {
            return chain.proceed(request);
        }
        Optional<AwsCredentialsIdentity> held = credentials.held(chain.context(), request.http().headers());
        if (held.isEmpty()) {
            return chain.proceed(request);
        }
        String region = route.hostParams().get("region");
        if (region == null) {
            throw new GatewayException(ErrorCode.BAD_PATH, "An aws-bedrock path names its region: "
                    + route.provider().pathHint() + ".");
        }
        GatewayRequest http = request.http();
        Headers sent = HeaderPolicy.upstream(ClientSignature.without(http.headers()));
        Headers signed = sign(http.method(), route.upstreamUri(), sent, http.body(), held.get(), region);
        return chain.proceed(request.withHttp(ClientSignature.withHeaders(http, signed)));
    }

    /** {@code headers} plus the signature fields ({@code authorization}, {@code x-amz-date}, ...). */
    Headers sign(String method, URI uri, Headers headers, byte[] body, AwsCredentialsIdentity identity,
                 String region) {
        SdkHttpRequest.Builder unsigned = SdkHttpRequest.builder().method(SdkHttpMethod.fromValue(method)).uri(uri);
        headers.forEach(unsigned::appendHeader);
        SignedRequest result = signer.sign(r -> r.identity(identity)
                .request(unsigned.build())
                .payload(ContentStreamProvider.fromByteArrayUnsafe(body))
                .putProperty(AwsV4FamilyHttpSigner.SERVICE_SIGNING_NAME, SERVICE)
                .putProperty(AwsV4HttpSigner.REGION_NAME, region)
                .putProperty(HttpSigner.SIGNING_CLOCK, clock));
        Headers.Builder out = Headers.builder();
        for (Map.Entry<String, List<String>> h : result.request().headers().entrySet()) {
            if (!h.getKey().equalsIgnoreCase("host")) { // the HTTP client sends the same Host, from the URI
                h.getValue().forEach(v -> out.add(h.getKey(), v));
            }
        }
        return out.build();
    }
}

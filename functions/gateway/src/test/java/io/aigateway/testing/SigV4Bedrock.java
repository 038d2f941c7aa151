package io.aigateway.testing;

import com.sun.net.httpserver.HttpExchange;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4FamilyHttpSigner;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.AwsSessionCredentialsIdentity;

import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Bedrock stand-in that checks SigV4 as Bedrock does: it recomputes the signature of the request it received
 * (method, path, query, the signed fields as they arrived, Host included, and the body) with the credentials it was
 * given, for service {@code bedrock} and its region, and answers 403 like Bedrock when the two differ.
 */
public final class SigV4Bedrock {
    public static final String ACCESS_KEY_ID = "AKIAGATEWAYTEST0001";
    public static final String SECRET = "gatewaySecretKey0123456789abcdefGHIJKLMN";
    private static final Pattern AUTH = Pattern.compile(
            "AWS4-HMAC-SHA256 Credential=([^/]+)/(\\d{8})/([^/]+)/([^/]+)/aws4_request, ?SignedHeaders=([^,]+), ?"
                    + "Signature=([0-9a-f]{64})");
    private static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);

    private final String accessKeyId;
    private final String secret;
    private final String region;

    public SigV4Bedrock(String accessKeyId, String secret, String region) {
        this.accessKeyId = accessKeyId;
        this.secret = secret;
        this.region = region;
    }

    /** A stub reply: {@code then} when the request's signature verifies, else Bedrock's 403. */
    public StubUpstream.Reply verifying(StubUpstream.Reply then) {
        return exchange -> {
            String problem = problem(exchange);
            if (problem != null) {
                StubUpstream.json(403, "{\"message\":\"" + problem + "\"}",
                        java.util.Map.of("x-amzn-errortype", "InvalidSignatureException")).answer(exchange);
                return;
            }
            then.answer(exchange);
        };
    }

    /** Null when the signature verifies; else why not. */
    public String problem(HttpExchange exchange) {
        byte[] body;
        try {
            body = exchange.getRequestBody().readAllBytes();
            exchange.setStreams(new java.io.ByteArrayInputStream(body), null);
        } catch (java.io.IOException e) {
            return "unreadable body";
        }
        com.sun.net.httpserver.Headers h = exchange.getRequestHeaders();
        return problem(exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(),
                exchange.getRequestURI().getRawQuery(), name -> h.get(name), body);
    }

    /** Null when the signature verifies; else why not. {@code header} gives a field's values (null if absent). */
    public String problem(String method, String rawPath, String rawQuery,
                          java.util.function.Function<String, List<String>> header, byte[] body) {
        List<String> auth = header.apply("authorization");
        if (auth == null || auth.size() != 1) {
            return "Missing Authentication Token";
        }
        Matcher m = AUTH.matcher(auth.get(0));
        if (!m.matches()) {
            return "Authorization header is not SigV4";
        }
        if (!m.group(1).equals(accessKeyId)) {
            return "The security token included in the request is invalid.";
        }
        if (!m.group(3).equals(region) || !m.group(4).equals("bedrock")) {
            return "Credential should be scoped to a valid region and service bedrock.";
        }
        List<String> date = header.apply("x-amz-date");
        if (date == null) {
            return "Missing x-amz-date";
        }
        Instant at = Instant.from(AMZ_DATE.parse(date.get(0)));
        if (Math.abs(at.toEpochMilli() - System.currentTimeMillis()) > 5 * 60_000) {
            return "Signature expired";
        }
        String host = header.apply("host").get(0);
        SdkHttpRequest.Builder request = SdkHttpRequest.builder().method(SdkHttpMethod.fromValue(method))
                .uri(URI.create("http://" + host + rawPath + (rawQuery == null ? "" : "?" + rawQuery)));
        String token = null;
        for (String name : m.group(5).split(";")) {
            List<String> values = header.apply(name);
            if (values == null) {
                return "Signed header '" + name + "' is missing";
            }
            if (name.equals("x-amz-security-token")) {
                token = values.get(0);
            } else if (!name.equals("host") && !name.equals("x-amz-date")) {
                values.forEach(v -> request.appendHeader(name, v));
            }
        }
        AwsCredentialsIdentity identity = token == null ? AwsCredentialsIdentity.create(accessKeyId, secret)
                : AwsSessionCredentialsIdentity.create(accessKeyId, secret, token);
        String expected = AwsV4HttpSigner.create().sign(r -> r.identity(identity).request(request.build())
                        .payload(ContentStreamProvider.fromByteArrayUnsafe(body))
                        .putProperty(AwsV4FamilyHttpSigner.SERVICE_SIGNING_NAME, "bedrock")
                        .putProperty(AwsV4HttpSigner.REGION_NAME, region)
                        .putProperty(HttpSigner.SIGNING_CLOCK, Clock.fixed(at, ZoneOffset.UTC)))
                .request().firstMatchingHeader("Authorization").orElse("");
        String got = expected.replaceAll(".*Signature=", "");
        if (!got.equals(m.group(6))) {
            return "The request signature we calculated does not match the signature you provided.";
        }
        return null;
    }
}

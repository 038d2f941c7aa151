package io.aigateway.provider;

import com.fasterxml.jackson.databind.JsonNode;
import io.aigateway.core.Json;
import io.aigateway.testing.Harness;
import io.aigateway.testing.StubUpstream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The paths and headers official SDKs send, through the gateway to loopback stand-ins of their providers: the Groq
 * SDK (adds /openai/v1 itself), AzureOpenAI with azure_endpoint (adds /openai/deployments/{deployment}), and boto3's
 * signed Bedrock calls (x-amzn-bedrock-* headers, percent-encoded model ids).
 */
class SdkRoutesTest {
    private StubUpstream stub;
    private Harness gw;

    @BeforeEach
    void start() {
        stub = new StubUpstream();
        gw = new Harness(Map.of(
                "GATEWAY_UPSTREAM_GROQ", stub.baseUri() + "/openai/v1",
                "GATEWAY_UPSTREAM_AZURE_OPENAI", stub.baseUri().toString(),
                "GATEWAY_UPSTREAM_AWS_BEDROCK", stub.baseUri().toString()));
    }

    @AfterEach
    void stop() {
        gw.close();
        stub.close();
    }

    private static final String CHAT = "{\"model\":\"llama-3.1-8b-instant\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    @Test
    void groqSdkBaseUrlAndCloudflaresPathReachTheSameEndpointOnce() throws Exception {
        stub.on("/openai/v1/chat/completions", StubUpstream.json(200, StubUpstream.CHAT_COMPLETION));
        // Groq(base_url=".../groq") posts to {base_url}/openai/v1/chat/completions
        HttpResponse<String> sdk = gw.post("/v1/a/g/groq/openai/v1/chat/completions", CHAT, "authorization", "Bearer gsk_x");
        assertEquals(200, sdk.statusCode(), sdk.body());
        assertEquals("/openai/v1/chat/completions", stub.lastRequest().path(), "never /openai/v1/openai/v1/...");
        HttpResponse<String> cloudflare = gw.post("/v1/a/g/groq/chat/completions", CHAT, "authorization", "Bearer gsk_x");
        assertEquals(200, cloudflare.statusCode(), cloudflare.body());
        assertEquals("/openai/v1/chat/completions", stub.lastRequest().path());

        JsonNode log = Json.MAPPER.readTree(gw.awaitLog("g", sdk.headers().firstValue("cf-aig-log-id").orElseThrow())).get("result");
        assertEquals("groq", log.get("provider").asText());
        assertEquals(12, log.get("tokens_in").asInt());
    }

    @Test
    void azureOpenAiSdkWithAzureEndpointAndDeployment() throws Exception {
        stub.on("/openai/deployments/gpt-4o/chat/completions", StubUpstream.json(200, StubUpstream.CHAT_COMPLETION));
        stub.on("/openai/responses", StubUpstream.json(200, "{\"id\":\"resp_1\",\"object\":\"response\"}"));
        // AzureOpenAI(azure_endpoint=".../azure-openai/my-res", azure_deployment="gpt-4o", api_version="2024-10-21")
        HttpResponse<String> sdk = gw.post("/v1/a/g/azure-openai/my-res/openai/deployments/gpt-4o/chat/completions"
                + "?api-version=2024-10-21", "{\"model\":\"gpt-4o\",\"messages\":[]}", "api-key", "azure-key");
        assertEquals(200, sdk.statusCode(), sdk.body());
        StubUpstream.Received up = stub.lastRequest();
        assertEquals("/openai/deployments/gpt-4o/chat/completions", up.path(), "not the deployment 'openai'");
        assertEquals("api-version=2024-10-21", up.query());
        assertEquals("azure-key", up.header("api-key"));

        // Cloudflare's form still works
        HttpResponse<String> cloudflare = gw.post("/v1/a/g/azure-openai/my-res/gpt-4o/chat/completions?api-version=2024-10-21",
                "{\"messages\":[]}", "api-key", "azure-key");
        assertEquals(200, cloudflare.statusCode(), cloudflare.body());
        assertEquals("/openai/deployments/gpt-4o/chat/completions", stub.lastRequest().path());

        // the SDK's calls outside a deployment ({azure_endpoint}/openai/responses, files, batches...)
        HttpResponse<String> responses = gw.post("/v1/a/g/azure-openai/my-res/openai/responses?api-version=2025-03-01-preview",
                "{\"model\":\"gpt-4o\",\"input\":\"hi\"}", "api-key", "azure-key");
        assertEquals(200, responses.statusCode(), responses.body());
        assertEquals("/openai/responses", stub.lastRequest().path());
    }

    @Test
    void azureResourceMustStillBeAHostLabelInTheSdkForm() throws Exception {
        HttpResponse<String> r = gw.post("/v1/a/g/azure-openai/evil.example%2F/openai/deployments/gpt-4o/chat/completions",
                "{}", "api-key", "azure-key");
        assertEquals(400, r.statusCode(), r.body());
        assertEquals(0, stub.calls.get());
    }

    private static final String BEDROCK_HOST = "bedrock-runtime.us-east-1.amazonaws.com";
    private static final String MODEL_PATH = "/model/anthropic.claude-3-haiku-20240307-v1%3A0/invoke";
    private static final AwsCredentialsIdentity CREDENTIALS =
            AwsCredentialsIdentity.create("AKIDTESTNOTREAL00000", "test-secret-not-real-0000000000000000000");

    /**
     * SigV4 for Bedrock over a request as it would reach bedrock-runtime (what boto3 does, and what AWS checks on
     * arrival): the signed request's headers, Authorization included.
     */
    private static Map<String, String> sign(String rawPathAndQuery, Map<String, String> headers, String body, Instant at) {
        SdkHttpRequest.Builder request = SdkHttpRequest.builder().method(SdkHttpMethod.POST)
                .uri(URI.create("https://" + BEDROCK_HOST + rawPathAndQuery));
        headers.forEach(request::putHeader);
        SdkHttpRequest signed = AwsV4HttpSigner.create().sign(r -> r.identity(CREDENTIALS).request(request.build())
                        .payload(ContentStreamProvider.fromUtf8String(body))
                        .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "bedrock")
                        .putProperty(AwsV4HttpSigner.REGION_NAME, "us-east-1")
                        .putProperty(HttpSigner.SIGNING_CLOCK, Clock.fixed(at, ZoneOffset.UTC)))
                .request();
        Map<String, String> out = new LinkedHashMap<>();
        signed.forEachHeader((name, values) -> out.put(name.toLowerCase(java.util.Locale.ROOT), values.get(0)));
        out.remove("host");
        return out;
    }

    @Test
    void boto3SignedBedrockCallKeepsItsSignatureAndItsModelIdIsLoggedDecoded() throws Exception {
        String message = "{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-3-haiku-20240307\","
                + "\"content\":[{\"type\":\"text\",\"text\":\"Hi\"}],\"usage\":{\"input_tokens\":9,\"output_tokens\":2}}";
        stub.on("/model/anthropic.claude-3-haiku-20240307-v1:0/invoke", StubUpstream.json(200, message));
        String body = "{\"anthropic_version\":\"bedrock-2023-05-31\",\"max_tokens\":16,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        Instant now = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("content-type", "application/json");
        fields.put("accept", "application/json");
        fields.put("x-amzn-bedrock-trace", "ENABLED");
        fields.put("x-amzn-bedrock-guardrailidentifier", "gr-abc123");
        fields.put("x-amzn-bedrock-guardrailversion", "1");
        fields.put("x-amzn-bedrock-performanceconfig-latency", "optimized");
        Map<String, String> signed = sign(MODEL_PATH, fields, body, now);
        String authorization = signed.get("authorization");
        String signedNames = authorization.replaceAll(".*SignedHeaders=([^,]+),.*", "$1");
        assertTrue(signedNames.contains("x-amzn-bedrock-trace"), signedNames);

        HttpRequest.Builder request = HttpRequest.newBuilder(gw.url("/v1/a/g/aws-bedrock/bedrock-runtime/us-east-1" + MODEL_PATH))
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .header("x-amzn-trace-id", "Root=1-not-signed") // botocore never signs it; a hop field, dropped
                .header("cf-aig-metadata", "{\"team\":\"ml\"}"); // added after signing, never sent on
        signed.forEach(request::header);
        HttpResponse<String> r = gw.send(request);
        assertEquals(200, r.statusCode(), r.body());

        StubUpstream.Received up = stub.lastRequest();
        assertEquals(MODEL_PATH, up.path(), "the signed path bytes reach Bedrock unchanged");
        fields.forEach((name, value) -> assertEquals(value, up.header(name), name));
        assertNull(up.header("x-amzn-trace-id"));
        assertFalse(up.hasHeader("cf-aig-"));
        // What AWS does on arrival: recompute the signature from the signed fields it received, on its own host.
        Map<String, String> received = new LinkedHashMap<>();
        for (String name : signedNames.split(";")) {
            if (!name.equals("host")) {
                received.put(name, up.header(name));
            }
        }
        assertEquals(authorization, sign(up.path(), received, up.bodyText(), now).get("authorization"),
                "SigV4 still verifies upstream");

        String logId = r.headers().firstValue("cf-aig-log-id").orElseThrow();
        JsonNode log = Json.MAPPER.readTree(gw.awaitLog("g", logId)).get("result");
        assertEquals("anthropic.claude-3-haiku-20240307-v1:0", log.get("model").asText());
        JsonNode filtered = Json.MAPPER.readTree(gw.admin("/api/v1/gateways/g/logs?model=anthropic.claude-3-haiku-20240307-v1%3A0").body());
        assertEquals(1, filtered.get("result").size(), "the model filter finds it by its real id");
        assertEquals(logId, filtered.get("result").get(0).get("id").asText());
    }
}

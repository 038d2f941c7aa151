package io.aigateway.provider;

import io.aigateway.core.Json;
import io.aigateway.testing.Harness;
import io.aigateway.testing.StubUpstream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Issue 9, security 4: encoded separators and dots must not walk out of a provider's base path, on direct routes and
 * in the universal endpoint's step {@code endpoint}. Over the HTTP transport, to a loopback provider that must never
 * be called.
 */
class PathTraversalTest {
    private StubUpstream stub;
    private Harness gw;

    @BeforeEach
    void start() {
        stub = new StubUpstream();
        gw = new Harness(Map.of(
                "GATEWAY_UPSTREAM_OPENAI", stub.baseUri() + "/v1",
                "GATEWAY_UPSTREAM_GROQ", stub.baseUri() + "/openai/v1",
                "GATEWAY_UPSTREAM_WORKERS_AI", stub.baseUri().toString(),
                "GATEWAY_UPSTREAM_AWS_BEDROCK", stub.baseUri().toString()));
    }

    @AfterEach
    void stop() {
        gw.close();
        stub.close();
    }

    /** The gateway's code: the cf-aig-error-code header where a provider-shaped error carries it, else the envelope. */
    static int errorCode(HttpResponse<String> r) throws Exception {
        var header = r.headers().firstValue("cf-aig-error-code");
        if (header.isPresent()) {
            return Integer.parseInt(header.get());
        }
        return Json.MAPPER.readTree(r.body()).get("error").get(0).get("code").asInt();
    }

    @Test
    void encodedTraversalOnProviderRoutesNeverReachesTheProvider() throws Exception {
        List<String> paths = List.of(
                "/v1/a/g/groq/..%2Fadmin",
                "/v1/acct/g/workers-ai/@cf%2F..%2F..%2F..%2F..%2Fuser%2Ftokens",
                "/v1/a/g/openai/%2e%2e%2fadmin",
                "/v1/a/g/openai/%25252e%25252e%25252fadmin",
                "/v1/a/g/openai/%C0%AE%C0%AE%C0%AFadmin",
                "/v1/a/g/openai/%EF%BC%8E%EF%BC%8E/admin",
                "/v1/a/g/openai/..;/admin",
                "/v1/a/g/aws-bedrock/bedrock-runtime/us-east-1/model/m%2F..%2F..%2Fadmin/invoke");
        for (String path : paths) {
            HttpResponse<String> r = gw.send(HttpRequest.newBuilder(gw.url(path))
                    .POST(HttpRequest.BodyPublishers.ofString("{}")).header("content-type", "application/json"));
            assertEquals(400, r.statusCode(), path + " -> " + r.body());
            assertEquals(2004, errorCode(r), path + " -> " + r.body());
        }
        assertEquals(0, stub.calls.get(), "no traversal attempt reached a provider");
    }

    @Test
    void encodedTraversalInAUniversalStepEndpointNeverReachesTheProvider() throws Exception {
        for (String endpoint : List.of("..%2Fadmin", "chat/%2e%2e%2f%2e%2e%2fadmin", "%252e%252e/admin",
                "%C0%AE%C0%AE/admin", "\uFF0E\uFF0E/admin", "%EF%BC%8E%EF%BC%8E/admin", "..;/admin")) {
            String steps = "[{\"provider\":\"groq\",\"endpoint\":" + Json.MAPPER.writeValueAsString(endpoint)
                    + ",\"query\":{\"model\":\"m\",\"messages\":[]}}]";
            HttpResponse<String> r = gw.post("/v1/a/g", steps);
            assertEquals(400, r.statusCode(), endpoint + " -> " + r.body());
            assertEquals(2004, errorCode(r), endpoint + " -> " + r.body());
        }
        assertEquals(0, stub.calls.get());
    }

    @Test
    void encodedSlashesInsideANameStillPass() throws Exception {
        // boto3 encodes an inference-profile ARN as one path segment; it stays one segment upstream
        String arn = "arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Ainference-profile%2Fus.anthropic.claude-3-haiku-20240307-v1%3A0";
        stub.on("/model/arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-haiku-20240307-v1:0/converse",
                StubUpstream.json(200, "{\"output\":{},\"usage\":{\"inputTokens\":3,\"outputTokens\":1,\"totalTokens\":4}}"));
        HttpResponse<String> r = gw.post("/v1/a/g/aws-bedrock/bedrock-runtime/us-east-1/model/" + arn + "/converse", "{}");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("/model/" + arn + "/converse", stub.lastRequest().path());
        String steps = "[{\"provider\":\"groq\",\"endpoint\":\"chat/completions\",\"query\":{\"model\":\"m\",\"messages\":[]}}]";
        stub.on("/openai/v1/chat/completions", StubUpstream.json(200, StubUpstream.CHAT_COMPLETION));
        assertEquals(200, gw.post("/v1/a/g", steps).statusCode());
    }
}

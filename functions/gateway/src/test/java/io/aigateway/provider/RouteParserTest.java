package io.aigateway.provider;

import io.aigateway.core.ErrorCode;
import io.aigateway.core.GatewayException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URI;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RouteParserTest {
    private final RouteParser parser = new RouteParser(new ProviderRegistry(Map.of()), Optional.empty());

    private ProxyRoute parse(String path, String query) {
        return parser.parse(parser.splitGatewayPath(path), query);
    }

    @ParameterizedTest
    @CsvSource({
            "/v1/a/g/openai/chat/completions, https://api.openai.com/v1/chat/completions",
            "/v1/a/g/anthropic/v1/messages, https://api.anthropic.com/v1/messages",
            "/v1/a/g/groq/chat/completions, https://api.groq.com/openai/v1/chat/completions",
            "/v1/a/g/mistral/v1/chat/completions, https://api.mistral.ai/v1/chat/completions",
            "/v1/a/g/cohere/v2/chat, https://api.cohere.ai/v2/chat",
            "/v1/a/g/deepseek/chat/completions, https://api.deepseek.com/chat/completions",
            "/v1/a/g/openrouter/chat/completions, https://openrouter.ai/api/v1/chat/completions",
            "/v1/a/g/perplexity-ai/chat/completions, https://api.perplexity.ai/chat/completions",
            "/v1/a/g/grok/chat/completions, https://api.x.ai/v1/chat/completions",
            "/v1/a/g/cerebras/chat/completions, https://api.cerebras.ai/v1/chat/completions",
            "/v1/a/g/huggingface/bigscience/bloom, https://api-inference.huggingface.co/models/bigscience/bloom",
            "/v1/a/g/replicate/predictions, https://api.replicate.com/v1/predictions",
            "/v1/a/g/google-ai-studio/v1/models/gemini-2.5-flash:generateContent, https://generativelanguage.googleapis.com/v1/models/gemini-2.5-flash:generateContent",
            "/v1/a/g/azure-openai/my-res/gpt4o/chat/completions, https://my-res.openai.azure.com/openai/deployments/gpt4o/chat/completions",
            "/v1/a/g/aws-bedrock/bedrock-runtime/us-east-1/model/anthropic.claude-3-haiku-20240307-v1:0/invoke, https://bedrock-runtime.us-east-1.amazonaws.com/model/anthropic.claude-3-haiku-20240307-v1:0/invoke",
            "/v1/a/g/google-vertex-ai/v1/projects/p1/locations/us-central1/publishers/google/models/gemini-2.5-pro:generateContent, https://us-central1-aiplatform.googleapis.com/v1/projects/p1/locations/us-central1/publishers/google/models/gemini-2.5-pro:generateContent",
            "/v1/a/g/google-vertex-ai/v1/projects/p1/locations/global/publishers/google/models/gemini-2.5-pro:generateContent, https://aiplatform.googleapis.com/v1/projects/p1/locations/global/publishers/google/models/gemini-2.5-pro:generateContent",
            "/v1/0123abcd/g/workers-ai/@cf/meta/llama-3.1-8b-instruct, https://api.cloudflare.com/client/v4/accounts/0123abcd/ai/run/@cf/meta/llama-3.1-8b-instruct",
    })
    void everyRegistryProviderMapsToItsBaseUrl(String path, String expected) {
        assertEquals(URI.create(expected), parse(path, "").upstreamUri());
    }

    @Test
    void queryPassesThroughAndEncodingIsKept() {
        ProxyRoute r = parse("/v1/a/g/azure-openai/res/dep/chat/completions", "api-version=2024-10-21&x=a%20b");
        assertEquals("https://res.openai.azure.com/openai/deployments/dep/chat/completions?api-version=2024-10-21&x=a%20b",
                r.upstreamUri().toString());
        ProxyRoute bedrock = parse("/v1/a/g/aws-bedrock/bedrock-runtime/eu-west-1/model/arn%3Aaws%3Abedrock%2Fx/converse", "");
        assertEquals("/model/arn%3Aaws%3Abedrock%2Fx/converse", bedrock.upstreamUri().getRawPath());
    }

    @Test
    void streamingPathsAreRecognisedPerProvider() {
        ProxyRoute gemini = parse("/v1/a/g/google-ai-studio/v1beta/models/gemini-2.5-flash:streamGenerateContent", "alt=sse");
        assertTrue(gemini.provider().isStreamingPath(gemini.restPath()));
        ProxyRoute bedrock = parse("/v1/a/g/aws-bedrock/bedrock-runtime/us-east-1/model/m/converse-stream", "");
        assertTrue(bedrock.provider().isStreamingPath(bedrock.restPath()));
        ProxyRoute openai = parse("/v1/a/g/openai/chat/completions", "");
        assertTrue(!openai.provider().isStreamingPath(openai.restPath()));
    }

    @Test
    void modelComesFromThePathWhenTheProviderPutsItThere() {
        assertEquals("gemini-2.5-flash", parse("/v1/a/g/google-ai-studio/v1beta/models/gemini-2.5-flash:streamGenerateContent", "")
                .provider().modelFromPath("/v1beta/models/gemini-2.5-flash:streamGenerateContent").orElseThrow());
        ProxyRoute bedrock = parse("/v1/a/g/aws-bedrock/bedrock-runtime/us-east-1/model/amazon.nova-lite-v1:0/converse", "");
        assertEquals("amazon.nova-lite-v1:0", bedrock.provider().modelFromPath(bedrock.restPath()).orElseThrow());
    }

    @Test
    void overrideReplacesTheBaseUrl() {
        RouteParser withOverride = new RouteParser(new ProviderRegistry(Map.of(
                "openai", URI.create("http://127.0.0.1:9000/v1"),
                "azure-openai", URI.create("http://127.0.0.1:9001"))), Optional.empty());
        assertEquals("http://127.0.0.1:9000/v1/chat/completions",
                withOverride.parse(withOverride.splitGatewayPath("/v1/a/g/openai/chat/completions"), "").upstreamUri().toString());
        assertEquals("http://127.0.0.1:9001/openai/deployments/dep/chat/completions",
                withOverride.parse(withOverride.splitGatewayPath("/v1/a/g/azure-openai/res/dep/chat/completions"), "").upstreamUri().toString());
    }

    @Test
    void overrideForAnUnknownSlugIsRefusedAtStartup() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ProviderRegistry(Map.of("nope", URI.create("http://127.0.0.1:1"))));
        assertTrue(e.getMessage().contains("GATEWAY_UPSTREAM_NOPE"));
    }

    @Test
    void unknownProviderListsTheKnownSlugs() {
        GatewayException e = assertThrows(GatewayException.class, () -> parse("/v1/a/g/not-a-provider/x", ""));
        assertEquals(ErrorCode.UNKNOWN_PROVIDER, e.code());
        assertTrue(e.getMessage().contains("openai") && e.getMessage().contains("aws-bedrock")
                && e.getMessage().contains("workers-ai"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "/v1/a/g/openai/../../etc/passwd",
            "/v1/a/g/openai/%2e%2e/%2e%2e/etc/passwd",
            "/v1/a/g/openai/%2E%2E/secret",
            "/v1/a/g/openai/%252e%252e/secret",
            "/v1/a/g/openai/chat/./completions",
            "/v1/a/g/openai/chat/..",
            "/v1/a/g/openai/..%5c..%5cwindows",
            "/v1/a/g/openai/a%00b",
            // issue 9, security 4: what passed before, and reached /admin behind an nginx upstream
            "/v1/a/g/groq/..%2Fadmin",
            "/v1/0123abcd/g/workers-ai/@cf%2F..%2F..%2F..%2F..%2Fuser%2Ftokens",
            "/v1/a/g/openai/%2e%2e%2fadmin",
            "/v1/a/g/openai/%2E%2E%2Fadmin",
            "/v1/a/g/openai/chat/..%2f..%2f..%2fadmin",
            "/v1/a/g/openai/..%252fadmin",
            "/v1/a/g/openai/%25252e%25252e/admin",
            "/v1/a/g/openai/%25252e%25252e%25252fadmin",
            "/v1/a/g/openai/%2525252525252e%2525252525252e/admin",
            "/v1/a/g/openai/%C0%AE%C0%AE/admin",
            "/v1/a/g/openai/%C0%AE%C0%AE%C0%AFadmin",
            "/v1/a/g/openai/%E0%80%AE%E0%80%AE/admin",
            "/v1/a/g/openai/%EF%BC%8E%EF%BC%8E/admin",
            "/v1/a/g/openai/\uFF0E\uFF0E/admin",
            "/v1/a/g/openai/x%EF%BC%8F%EF%BC%8E%EF%BC%8E%EF%BC%8Fadmin",
            "/v1/a/g/openai/%E2%80%A5/admin",
            "/v1/a/g/openai/..;/admin",
            "/v1/a/g/openai/..;jsessionid=1/admin",
            "/v1/a/g/openai/.;/admin",
            "/v1/a/g/openai/%2e%2e%3b/admin",
            "/v1/a/g/openai/%2e%2e%20/admin",
            "/v1/a/g/openai/x%ef%bc%bcadmin",
            "/v1/a/g/openai/x%C2%85y",
            "/v1/a/g/azure-openai/res/openai/deployments/dep%2F..%2F..%2Fx/chat/completions",
            "/v1/a/g/aws-bedrock/bedrock-runtime/us-east-1/model/x%2F..%2F..%2Fguardrail/invoke",
    })
    void traversalIsRefused(String path) {
        GatewayException e = assertThrows(GatewayException.class, () -> parse(path, ""));
        assertEquals(ErrorCode.PATH_TRAVERSAL, e.code(), path);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            // encoded slashes and colons between ordinary names stay allowed: Bedrock ARNs need them
            "/v1/a/g/aws-bedrock/bedrock-runtime/us-east-1/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Ainference-profile%2Fus.anthropic.claude-3-haiku-20240307-v1%3A0/converse"
                    + "|https://bedrock-runtime.us-east-1.amazonaws.com/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Ainference-profile%2Fus.anthropic.claude-3-haiku-20240307-v1%3A0/converse",
            "/v1/a/g/openai/files/file-a%2Bb%25c|https://api.openai.com/v1/files/file-a%2Bb%25c",
            "/v1/a/g/openai/files/v1.2..3|https://api.openai.com/v1/files/v1.2..3",
            "/v1/a/g/huggingface/org/model.v2|https://api-inference.huggingface.co/models/org/model.v2",
            "/v1/a/g/openai/files/caf%C3%A9|https://api.openai.com/v1/files/caf%C3%A9",
    })
    void encodedNamesThatStayInsideTheBasePathPass(String path, String expected) {
        assertEquals(URI.create(expected), parse(path, "").upstreamUri());
    }

    @Test
    void groqTakesCloudflaresPathAndTheGroqSdksPathWithoutDoublingThePrefix() {
        String upstream = "https://api.groq.com/openai/v1/chat/completions";
        assertEquals(URI.create(upstream), parse("/v1/a/g/groq/chat/completions", "").upstreamUri());
        ProxyRoute sdk = parse("/v1/a/g/groq/openai/v1/chat/completions", "");
        assertEquals(URI.create(upstream), sdk.upstreamUri());
        assertEquals("/chat/completions", sdk.restPath(), "the same endpoint, so the same cache entry");
        assertEquals(URI.create("https://api.groq.com/openai/v1/models"), parse("/v1/a/g/groq/openai/v1/models", "").upstreamUri());
        assertEquals(URI.create("https://api.groq.com/openai/v1/openai/v2"), parse("/v1/a/g/groq/openai/v2", "").upstreamUri(),
                "only the whole /openai/v1 prefix is the SDK's");
        RouteParser overridden = new RouteParser(new ProviderRegistry(Map.of(
                "groq", URI.create("http://127.0.0.1:9002/openai/v1"))), Optional.empty());
        assertEquals("http://127.0.0.1:9002/openai/v1/chat/completions", overridden.parse(
                overridden.splitGatewayPath("/v1/a/g/groq/openai/v1/chat/completions"), "").upstreamUri().toString());
    }

    @Test
    void azureTakesTheAzureOpenAiSdkLayoutAndKeepsCloudflares() {
        String query = "api-version=2024-10-21";
        String upstream = "https://my-res.openai.azure.com/openai/deployments/gpt-4o/chat/completions?" + query;
        assertEquals(URI.create(upstream), parse("/v1/a/g/azure-openai/my-res/gpt-4o/chat/completions", query).upstreamUri());
        ProxyRoute sdk = parse("/v1/a/g/azure-openai/my-res/openai/deployments/gpt-4o/chat/completions", query);
        assertEquals(URI.create(upstream), sdk.upstreamUri(), "not deployment 'openai'");
        assertEquals("/chat/completions", sdk.restPath());
        // the SDK's endpoints outside a deployment: {azure_endpoint}/openai/{path}
        assertEquals(URI.create("https://my-res.openai.azure.com/openai/responses?" + query),
                parse("/v1/a/g/azure-openai/my-res/openai/responses", query).upstreamUri());
        assertEquals(URI.create("https://my-res.openai.azure.com/openai/v1/chat/completions"),
                parse("/v1/a/g/azure-openai/my-res/openai/v1/chat/completions", "").upstreamUri());
        // a deployment whose name merely starts with "openai" is still one
        assertEquals(URI.create("https://my-res.openai.azure.com/openai/deployments/openai-4o/chat/completions"),
                parse("/v1/a/g/azure-openai/my-res/openai-4o/chat/completions", "").upstreamUri());
        RouteParser overridden = new RouteParser(new ProviderRegistry(Map.of(
                "azure-openai", URI.create("http://127.0.0.1:9001"))), Optional.empty());
        assertEquals("http://127.0.0.1:9001/openai/deployments/dep/embeddings", overridden.parse(
                overridden.splitGatewayPath("/v1/a/g/azure-openai/res/openai/deployments/dep/embeddings"), "").upstreamUri().toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "/v1/a/g/azure-openai/evil.com/openai/deployments/dep/chat/completions",
            "/v1/a/g/azure-openai/evil.com%2F/openai/deployments/dep/chat/completions",
            "/v1/a/g/azure-openai/evil.com%23/openai/deployments/dep/chat/completions",
            "/v1/a/g/azure-openai/-res/openai/deployments/dep/chat/completions",
            "/v1/a/g/azure-openai/res%40evil.com/openai/deployments/dep/chat/completions",
            "/v1/a/g/azure-openai/res.evil.com/openai/deployments/dep/chat/completions",
    })
    void azureResourceStaysAStrictHostLabelInTheSdkLayout(String path) {
        GatewayException e = assertThrows(GatewayException.class, () -> parse(path, ""));
        assertTrue(e.code() == ErrorCode.BAD_PATH || e.code() == ErrorCode.PATH_TRAVERSAL, e.code() + " " + path);
    }

    @Test
    void modelIdsFromThePathAreDecodedForLogsButTheUpstreamPathKeepsItsBytes() {
        ProxyRoute bedrock = parse("/v1/a/g/aws-bedrock/bedrock-runtime/us-east-1/model/anthropic.claude-3-haiku-20240307-v1%3A0/invoke", "");
        assertEquals("anthropic.claude-3-haiku-20240307-v1:0", bedrock.provider().modelFromPath(bedrock.restPath()).orElseThrow());
        assertEquals("/model/anthropic.claude-3-haiku-20240307-v1%3A0/invoke", bedrock.upstreamUri().getRawPath());
        ProxyRoute arn = parse("/v1/a/g/aws-bedrock/bedrock-runtime/us-east-1/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A1%3Ainference-profile%2Fus.amazon.nova-lite-v1%3A0/converse", "");
        assertEquals("arn:aws:bedrock:us-east-1:1:inference-profile/us.amazon.nova-lite-v1:0",
                arn.provider().modelFromPath(arn.restPath()).orElseThrow());
        ProxyRoute workers = parse("/v1/a/g/workers-ai/@cf%2Fmeta%2Fllama-3.1-8b-instruct", "");
        assertEquals("@cf/meta/llama-3.1-8b-instruct", workers.provider().modelFromPath(workers.restPath()).orElseThrow());
        ProxyRoute plus = parse("/v1/a/g/aws-bedrock/bedrock-runtime/us-east-1/model/a+b%25zz/invoke", "");
        assertEquals("a+b%zz", plus.provider().modelFromPath(plus.restPath()).orElseThrow(), "'+' stays, bad escapes stay");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/v1", "/v1/", "/v1/acct", "/v2/a/g/openai/x", "/v1/a b/g/openai", "/v1/a/g%2F/openai/x",
            "/v1/a/" + "gggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggg" + "/openai/x"})
    void malformedGatewayPathsAreRefusedWithTheExpectedShape(String path) {
        GatewayException e = assertThrows(GatewayException.class, () -> parse(path, ""));
        assertEquals(ErrorCode.BAD_PATH, e.code(), path);
    }

    @Test
    void hostParametersCannotEscapeTheProviderDomain() {
        GatewayException e = assertThrows(GatewayException.class,
                () -> parse("/v1/a/g/azure-openai/evil.com%2F/dep/chat", ""));
        assertEquals(ErrorCode.BAD_PATH, e.code());
        assertThrows(GatewayException.class, () -> parse("/v1/a/g/aws-bedrock/bedrock-runtime/evil.com/model/x/invoke", ""));
        assertThrows(GatewayException.class, () -> parse("/v1/a/g/aws-bedrock/s3/us-east-1/bucket", ""));
    }

    @Test
    void accountIsCheckedWhenConfigured() {
        RouteParser strict = new RouteParser(new ProviderRegistry(Map.of()), Optional.of("acme"));
        assertEquals("acme", strict.splitGatewayPath("/v1/acme/g/openai/x").account());
        GatewayException e = assertThrows(GatewayException.class, () -> strict.splitGatewayPath("/v1/other/g/openai/x"));
        assertEquals(ErrorCode.BAD_ACCOUNT, e.code());
    }
}

package io.aigateway.upstream;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import io.aigateway.core.Json;
import io.aigateway.lambda.LambdaHandler;
import io.aigateway.testing.Harness;
import io.aigateway.testing.StubUpstream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** Which header fields reach a provider (issue 9, items 10 and SDK 3), over both transports. */
class HeaderPolicyTest {
    private StubUpstream stub;
    private Harness gw;

    @BeforeEach
    void start() {
        stub = new StubUpstream();
        stub.on("/v1/chat/completions", StubUpstream.json(200, StubUpstream.CHAT_COMPLETION));
        gw = Harness.forProvider("openai", stub.baseUri().resolve("/v1"));
    }

    @AfterEach
    void stop() {
        gw.close();
        stub.close();
    }

    private static int errorCode(HttpResponse<String> r) throws Exception {
        var header = r.headers().firstValue("cf-aig-error-code");
        return header.isPresent() ? Integer.parseInt(header.get())
                : Json.MAPPER.readTree(r.body()).get("error").get(0).get("code").asInt();
    }

    @Test
    void theClientsCookiesNeverReachAProvider() throws Exception {
        HttpResponse<String> r = gw.post("/v1/a/g/openai/chat/completions", "{}",
                "cookie", "session=3f9a1c7e2b; theme=dark", "x-kept", "yes");
        assertEquals(200, r.statusCode());
        StubUpstream.Received up = stub.lastRequest();
        assertNull(up.header("cookie"));
        assertEquals("yes", up.header("x-kept"));
    }

    @Test
    void lambdaTransportCookiesNeverReachAProviderEither() throws Exception {
        APIGatewayV2HTTPEvent event = event(Map.of("content-type", "application/json"));
        event.setCookies(List.of("session=3f9a1c7e2b", "theme=dark"));
        APIGatewayV2HTTPResponse r = new LambdaHandler(gw.app.gateway()).handleRequest(event, null);
        assertEquals(200, r.getStatusCode(), r.getBody());
        assertNull(stub.lastRequest().header("cookie"));
    }

    @Test
    void aBareCrInAUniversalStepHeaderIsRefusedNotSplitOrRewritten() throws Exception {
        for (String value : List.of("a\rinjected: b", "a\r\ninjected: b", "a\ninjected: b", "a\u0000b")) {
            String steps = "[{\"provider\":\"openai\",\"endpoint\":\"chat/completions\",\"headers\":{\"x-a\":"
                    + Json.MAPPER.writeValueAsString(value) + "},\"query\":{}}]";
            HttpResponse<String> r = gw.post("/v1/a/g", steps);
            assertEquals(400, r.statusCode(), r.body());
            assertEquals(2005, errorCode(r), r.body());
        }
        String badName = "[{\"provider\":\"openai\",\"endpoint\":\"chat/completions\",\"headers\":{\"x a\":\"1\"},\"query\":{}}]";
        assertEquals(2005, errorCode(gw.post("/v1/a/g", badName)));
        assertEquals(0, stub.calls.get(), "nothing went upstream");
    }

    @Test
    void aBareCrInAHeaderOnTheLambdaTransportIsRefused() throws Exception {
        APIGatewayV2HTTPResponse r = new LambdaHandler(gw.app.gateway()).handleRequest(
                event(Map.of("content-type", "application/json", "x-a", "a\rinjected: b")), null);
        assertEquals(400, r.getStatusCode(), r.getBody());
        String code = r.getHeaders() == null ? null : r.getHeaders().get("cf-aig-error-code");
        assertEquals(2005, code != null ? Integer.parseInt(code)
                : Json.MAPPER.readTree(r.getBody()).get("error").get(0).get("code").asInt());
        assertEquals(0, stub.calls.get());
    }

    private static APIGatewayV2HTTPEvent event(Map<String, String> headers) {
        APIGatewayV2HTTPEvent event = new APIGatewayV2HTTPEvent();
        event.setVersion("2.0");
        event.setRawPath("/v1/a/g/openai/chat/completions");
        event.setRawQueryString("");
        event.setHeaders(new HashMap<>(headers));
        event.setBody("{\"model\":\"gpt-4o-mini\",\"messages\":[]}");
        event.setIsBase64Encoded(false);
        APIGatewayV2HTTPEvent.RequestContext context = new APIGatewayV2HTTPEvent.RequestContext();
        APIGatewayV2HTTPEvent.RequestContext.Http http = new APIGatewayV2HTTPEvent.RequestContext.Http();
        http.setMethod("POST");
        http.setPath("/v1/a/g/openai/chat/completions");
        http.setSourceIp("203.0.113.25");
        context.setHttp(http);
        context.setTimeEpoch(System.currentTimeMillis());
        event.setRequestContext(context);
        return event;
    }
}

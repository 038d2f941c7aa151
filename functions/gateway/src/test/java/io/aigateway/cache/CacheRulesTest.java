package io.aigateway.cache;

import io.aigateway.config.GatewaySettings;
import io.aigateway.core.ErrorCode;
import io.aigateway.core.GatewayException;
import io.aigateway.core.Headers;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Pure rules: which requests are cacheable for how long, and when a stream counts as finished. */
class CacheRulesTest {
    private static final GatewaySettings OFF = GatewaySettings.defaults("g", Map.of());
    private static final GatewaySettings ON = GatewaySettings.defaults("g", Map.of("GATEWAY_DEFAULT_CACHE_TTL", "600"));

    private static Headers headers(String... pairs) {
        Headers.Builder b = Headers.builder();
        for (int i = 0; i < pairs.length; i += 2) {
            b.add(pairs[i], pairs[i + 1]);
        }
        return b.build();
    }

    @Test
    void policyFollowsGatewayAndHeaders() {
        assertFalse(CachePolicy.of("POST", headers(), OFF).cacheable());
        assertEquals(600, CachePolicy.of("POST", headers(), ON).ttlSeconds());
        assertEquals(600, CachePolicy.of("GET", headers(), ON).ttlSeconds());
        assertFalse(CachePolicy.of("DELETE", headers(), ON).cacheable());
        assertFalse(CachePolicy.of("POST", headers("cf-aig-skip-cache", "true"), ON).cacheable());
        assertFalse(CachePolicy.of("POST", headers("cf-aig-skip-cache", "true", "cf-aig-cache-key", "k"), OFF).cacheable());
        assertFalse(CachePolicy.of("POST", headers("cf-aig-cache-ttl", "0"), ON).cacheable());
        assertFalse(CachePolicy.of("POST", headers("cf-aig-cache-ttl", "0", "cf-aig-cache-key", "k"), ON).cacheable());
        assertEquals(90, CachePolicy.of("POST", headers("cf-aig-cache-ttl", "90"), OFF).ttlSeconds());
        assertEquals(90, CachePolicy.of("POST", headers("cf-aig-cache-ttl", " 90 "), ON).ttlSeconds());
        CachePolicy keyed = CachePolicy.of("POST", headers("cf-aig-cache-key", "my-key"), OFF);
        assertEquals(CachePolicy.DEFAULT_KEY_TTL, keyed.ttlSeconds());
        assertEquals("my-key", keyed.customKey());
        assertEquals(600, CachePolicy.of("POST", headers("cf-aig-cache-key", "my-key"), ON).ttlSeconds());
        assertEquals(120, CachePolicy.of("POST", headers("cf-aig-cache-key", "k", "cf-aig-cache-ttl", "120"), ON).ttlSeconds());
        assertNull(CachePolicy.of("POST", headers(), ON).customKey());
        assertEquals(GatewaySettings.MAX_CACHE_TTL,
                CachePolicy.of("POST", headers("cf-aig-cache-ttl", Integer.toString(GatewaySettings.MAX_CACHE_TTL)), OFF).ttlSeconds());
    }

    @Test
    void badHeadersAreRejectedEvenWhenCachingIsOff() {
        for (String[] h : new String[][]{{"cf-aig-cache-ttl", "59"}, {"cf-aig-cache-ttl", "1.5"}, {"cf-aig-cache-ttl", ""},
                {"cf-aig-cache-ttl", "99999999999"}, {"cf-aig-skip-cache", "1"}, {"cf-aig-cache-key", " "},
                {"cf-aig-cache-key", "a\u0001b"}}) {
            GatewayException e = assertThrows(GatewayException.class,
                    () -> CachePolicy.of("POST", headers(h[0], h[1]), OFF), h[0] + "=" + h[1]);
            assertEquals(ErrorCode.BAD_HEADER, e.code());
            assertTrue(e.getMessage().startsWith(h[0]), e.getMessage());
        }
    }

    @Test
    void customKeysDependOnlyOnKeyGatewayAndStreamFlag() {
        CacheKey a = CacheKey.custom("g", "k", false);
        assertEquals(a, CacheKey.custom("g", "k", false));
        assertNotEquals(a.hex(), CacheKey.custom("g", "k", true).hex());
        assertNotEquals(a.hex(), CacheKey.custom("g", "k2", false).hex());
        assertEquals(a.hex(), CacheKey.custom("g2", "k", false).hex());
        assertNotEquals(a.pk(), CacheKey.custom("g2", "k", false).pk());
        assertEquals("CACHE#g#" + a.hex(), a.pk());
        assertEquals(64, a.hex().length());
    }

    @Test
    void scopedCustomKeysDependOnProviderAndCredentialsToo() {
        Headers one = headers("authorization", "Bearer sk-one");
        CacheKey a = CacheKey.custom("g", "k", false, "openai", one, "");
        assertEquals(a, CacheKey.custom("g", "k", false, "openai", headers("Authorization", "Bearer sk-one"), "x=1"));
        assertNotEquals(a.hex(), CacheKey.custom("g", "k", false, "openai", headers("authorization", "Bearer sk-two"), "").hex());
        assertNotEquals(a.hex(), CacheKey.custom("g", "k", false, "openai", headers(), "").hex());
        assertNotEquals(a.hex(), CacheKey.custom("g", "k", false, "groq", one, "").hex());
        assertNotEquals(a.hex(), CacheKey.custom("g", "k", true, "openai", one, "").hex());
        assertNotEquals(a.hex(), CacheKey.custom("g", "k2", false, "openai", one, "").hex());
        assertNotEquals(a.hex(), CacheKey.custom("g", "k", false).hex(), "the shared form is another entry");
        assertNotEquals(a.hex(), CacheKey.custom("g", "k", false, "openai", one, "key=g1").hex());
        assertNotEquals(CacheKey.custom("g", "k", false, "openai", one, "key=g1").hex(),
                CacheKey.custom("g", "k", false, "openai", one, "alt=sse&KEY=g2").hex());
        assertEquals(CacheKey.custom("g", "k", false, "openai", one, "key=g1").hex(),
                CacheKey.custom("g", "k", false, "openai", one, "alt=sse&key=g1").hex(), "other parameters are not credentials");
        assertEquals(a.pk().substring(0, 8), "CACHE#g#");
    }

    @Test
    void authDigestCoversEveryProviderAuthHeader() {
        byte[] none = CacheKey.authDigest(headers());
        assertNotEquals(hex(none), hex(CacheKey.authDigest(headers("authorization", "Bearer a"))));
        assertNotEquals(hex(CacheKey.authDigest(headers("authorization", "Bearer a"))),
                hex(CacheKey.authDigest(headers("authorization", "Bearer b"))));
        assertNotEquals(hex(CacheKey.authDigest(headers("x-api-key", "a"))), hex(CacheKey.authDigest(headers("api-key", "a"))));
        assertNotEquals(hex(none), hex(CacheKey.authDigest(headers("x-goog-api-key", "a"))));
        assertEquals(hex(none), hex(CacheKey.authDigest(headers("x-other", "a", "cf-aig-metadata", "{}"))));
    }

    private static String hex(byte[] b) {
        return java.util.HexFormat.of().formatHex(b);
    }

    private static boolean complete(String stream) {
        ResponseCapture capture = new ResponseCapture("text/event-stream; charset=utf-8", -1);
        byte[] bytes = stream.getBytes(StandardCharsets.UTF_8);
        // in odd-sized pieces, as a network delivers them
        for (int i = 0; i < bytes.length; i += 7) {
            capture.append(bytes, i, Math.min(7, bytes.length - i));
            capture.digest();
        }
        ResponseCapture.Result r = capture.finish();
        assertEquals(stream, new String(r.body(), StandardCharsets.UTF_8));
        return r.complete();
    }

    @Test
    void streamsCountAsFinishedOnlyAfterTheirTerminalEvent() {
        String chunk = "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[]}\n\n";
        assertTrue(complete(chunk + "data: [DONE]\n\n"));
        assertTrue(complete(chunk + "data:[DONE]"), "no trailing newline, no space");
        assertFalse(complete(chunk));
        assertFalse(complete(chunk + "data: {\"error\":{\"message\":\"overloaded\"}}\n\ndata: [DONE]\n\n"));
        assertTrue(complete(chunk.replace("\n", "\r\n") + "data: [DONE]\r\n\r\n"));

        String anthropic = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{}}\n\n"
                + "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"delta\":{\"type\":\"message_stop\"}}\n\n";
        assertFalse(complete(anthropic), "a nested type is not the event's type");
        assertTrue(complete(anthropic + "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"));
        assertTrue(complete(anthropic + "data: {\"type\":\"message_stop\"}\n\n"), "data-only variant");
        assertFalse(complete(anthropic + "event: error\ndata: {\"type\":\"error\",\"error\":{}}\n\n"));

        String responses = "event: response.created\ndata: {\"type\":\"response.created\"}\n\n"
                + "event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"delta\":\"Hi\"}\n\n";
        assertFalse(complete(responses));
        assertTrue(complete(responses + "event: response.completed\ndata: {\"type\":\"response.completed\",\"response\":{}}\n\n"));
        assertFalse(complete(responses + "event: response.failed\ndata: {\"type\":\"response.failed\"}\n\n"));

        String gemini = "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"Hi\"}]}}]}\r\n\r\n";
        assertTrue(complete(gemini), "no terminal marker in this protocol: a clean end is the end");
        assertTrue(complete(": keep-alive comment\n\n" + gemini));
        assertFalse(complete(gemini + "data: {\"error\":{\"code\":500}}\n\n"));
    }

    @Test
    void captureKnowsWhenTheGzipFormCannotFitAnItem() {
        ResponseCapture capture = new ResponseCapture("application/json", -1);
        java.util.Random random = new java.util.Random(5);
        byte[] chunk = new byte[8192];
        for (int i = 0; i < 60 && !capture.tooLarge(); i++) {
            random.nextBytes(chunk);
            capture.append(chunk, 0, chunk.length);
            capture.digest();
        }
        assertTrue(capture.tooLarge());
        assertTrue(capture.finish().tooLarge());

        ResponseCapture small = new ResponseCapture("application/json", 10);
        small.append("{\"a\":1}".getBytes(StandardCharsets.UTF_8), 0, 7);
        ResponseCapture.Result r = small.finish();
        assertFalse(r.tooLarge());
        assertTrue(r.complete());
        assertEquals("{\"a\":1}", new String(CacheStore.gunzip(r.gzipped()), StandardCharsets.UTF_8));

        ResponseCapture discarded = new ResponseCapture("text/event-stream", -1);
        discarded.append(new byte[]{'d'}, 0, 1);
        discarded.discard();
        assertNull(discarded.finish());
    }
}

package io.aigateway.plugin;

import io.aigateway.core.Headers;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Requests and hook entries the plug-in tests share. */
final class Fixtures {
    static final String CLIENT_KEY = "sk-proj-AAAAbbbbCCCCddddEEEEffff0123";
    static final String ANTHROPIC_KEY = "sk-ant-api03-ZZZZyyyyXXXXwwww9876";
    static final String GATEWAY_TOKEN = "aigw_tok_Q1w2E3r4T5y6U7i8";
    static final String BODY = "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}";

    private Fixtures() {
    }

    static Headers clientHeaders() {
        return Headers.builder()
                .add("content-type", "application/json")
                .add("Authorization", "Bearer " + CLIENT_KEY)
                .add("x-api-key", ANTHROPIC_KEY)
                .add("api-key", "azure-key-1234567890")
                .add("x-goog-api-key", "AIzaSyA1234567890abcdefghijklmnopqrstuv")
                .add("cf-aig-authorization", "Bearer " + GATEWAY_TOKEN)
                .add("cookie", "session=s3cr3t-cookie")
                .add("x-team", "search")
                .add("x-forwarded-note", "token in a value: Bearer " + CLIENT_KEY)
                .build();
    }

    static PluginRequest request() {
        return request(BODY);
    }

    static PluginRequest request(String body) {
        return new PluginRequest("gw1", "openai", "gpt-4o", "POST", "/chat/completions?key=" + CLIENT_KEY,
                clientHeaders(), PluginBody.of(body.getBytes(StandardCharsets.UTF_8), "application/json"),
                Map.of("user", "u-42"));
    }

    static HookSettings hook(String id, URI url, HookMode mode, FailMode fail, int timeoutMs) {
        return new HookSettings(id, url, HookPhase.BOTH, timeoutMs, fail, Map.of(), mode);
    }

    static HookSettings check(String id, URI url) {
        return hook(id, url, HookMode.CHECK, FailMode.CLOSED, 2000);
    }

    static HookSettings modify(String id, URI url) {
        return hook(id, url, HookMode.MODIFY, FailMode.CLOSED, 2000);
    }

    static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}

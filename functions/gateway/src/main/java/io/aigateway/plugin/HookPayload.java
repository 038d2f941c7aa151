package io.aigateway.plugin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aigateway.core.Headers;
import io.aigateway.core.Json;
import io.aigateway.core.SecretScrubber;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * The JSON a hook receives. Headers arrive already without credentials (the records enforce it); the body is
 * scrubbed again here ({@link SecretScrubber}) because a hook is another service, and a prompt or a universal
 * endpoint step may hold a pasted key. A body over the size limit, or that is neither JSON nor text, is sent as
 * null with {@code body_omitted} saying why.
 */
final class HookPayload {
    private final int maxBodyBytes;

    HookPayload(int maxBodyBytes) {
        this.maxBodyBytes = maxBodyBytes;
    }

    byte[] request(String hookId, PluginRequest r) {
        ObjectNode o = common(hookId, "request", r);
        o.set("headers", headers(r.headers()));
        body(o, r.body());
        o.set("metadata", Json.MAPPER.valueToTree(r.metadata()));
        return bytes(o);
    }

    byte[] response(String hookId, PluginResponse r) {
        ObjectNode o = common(hookId, "response", r.request());
        o.put("status", r.status());
        o.put("streamed", r.streamed());
        if (r.truncated()) {
            o.put("truncated", true);
        }
        o.set("headers", headers(r.headers()));
        body(o, r.body());
        o.set("metadata", Json.MAPPER.valueToTree(r.request().metadata()));
        return bytes(o);
    }

    private static ObjectNode common(String hookId, String phase, PluginRequest r) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("hook", hookId);
        o.put("phase", phase);
        o.put("gateway", r.gatewayId());
        o.put("provider", r.provider());
        o.put("model", r.model());
        o.put("method", r.method());
        o.put("path", r.path());
        return o;
    }

    /** Names to values; a repeated field becomes a list. */
    private static ObjectNode headers(Headers headers) {
        ObjectNode h = Json.MAPPER.createObjectNode();
        for (String name : headers.names()) {
            List<String> values = headers.all(name);
            if (values.size() == 1) {
                h.put(name, values.get(0));
            } else {
                values.forEach(h.withArray(name)::add);
            }
        }
        return h;
    }

    private void body(ObjectNode o, PluginBody body) {
        if (body.isEmpty()) {
            o.putNull("body");
            return;
        }
        if (body.size() > maxBodyBytes) {
            o.putNull("body");
            o.put("body_omitted", "too_large");
            return;
        }
        JsonNode tree = body.tree();
        if (!tree.isMissingNode()) {
            String json = tree.toString();
            String scrubbed = SecretScrubber.scrub(json);
            o.set("body", scrubbed == json ? tree : parse(scrubbed));
        } else if (isText(body.contentType())) {
            o.put("body", SecretScrubber.scrub(body.text()));
        } else {
            o.putNull("body");
            o.put("body_omitted", "binary");
        }
    }

    private static JsonNode parse(String json) {
        try {
            return Json.MAPPER.readTree(json);
        } catch (IOException e) {
            return Json.MAPPER.getNodeFactory().textNode(SecretScrubber.MASK); // never send what we could not scrub
        }
    }

    private static boolean isText(String contentType) {
        if (contentType == null) {
            return true;
        }
        String ct = contentType.toLowerCase(java.util.Locale.ROOT);
        return ct.contains("json") || ct.startsWith("text/") || ct.contains("event-stream") || ct.contains("xml")
                || ct.contains("x-www-form-urlencoded");
    }

    private static byte[] bytes(ObjectNode o) {
        try {
            return Json.MAPPER.writeValueAsBytes(o);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

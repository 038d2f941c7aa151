package io.aigateway.plugin;

import com.fasterxml.jackson.databind.JsonNode;
import io.aigateway.core.Json;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * A request or response body as plug-ins see it: immutable bytes, with the JSON tree parsed on first use and shared
 * by every plug-in of the request (each caller gets its own copy of the tree, so none can change what another sees).
 */
public final class PluginBody {
    private static final PluginBody EMPTY = new PluginBody(new byte[0], null);
    private static final JsonNode NOT_JSON = Json.MAPPER.missingNode();

    private final byte[] bytes;
    private final String contentType;
    private volatile JsonNode parsed;

    private PluginBody(byte[] bytes, String contentType) {
        this.bytes = bytes;
        this.contentType = contentType;
    }

    /** Wraps the bytes without copying them: the caller hands them over and must not change them afterwards. */
    public static PluginBody of(byte[] bytes, String contentType) {
        return bytes == null || bytes.length == 0 && contentType == null ? EMPTY : new PluginBody(bytes, contentType);
    }

    public static PluginBody ofJson(JsonNode json) {
        try {
            return new PluginBody(Json.MAPPER.writeValueAsBytes(json), "application/json");
        } catch (IOException e) {
            throw new IllegalArgumentException("body is not serialisable as JSON", e);
        }
    }

    public static PluginBody empty() {
        return EMPTY;
    }

    public int size() {
        return bytes.length;
    }

    public boolean isEmpty() {
        return bytes.length == 0;
    }

    /** The content type the body came with, or null. */
    public String contentType() {
        return contentType;
    }

    /** A copy of the bytes. */
    public byte[] bytes() {
        return Arrays.copyOf(bytes, bytes.length);
    }

    /** The bytes without a copy. */
    public InputStream stream() {
        return new ByteArrayInputStream(bytes);
    }

    /** The body decoded as UTF-8 (malformed sequences replaced). */
    public String text() {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** The JSON tree, when the body is JSON (parsed once); empty otherwise. The node returned is the caller's own. */
    public Optional<JsonNode> json() {
        JsonNode tree = tree();
        return tree == NOT_JSON ? Optional.empty() : Optional.of(tree.deepCopy());
    }

    /** Shared, unprotected tree for the gateway's own read-only use (hook payloads). */
    JsonNode tree() {
        JsonNode tree = parsed;
        if (tree == null) {
            tree = parse();
            parsed = tree;
        }
        return tree;
    }

    byte[] rawBytes() {
        return bytes;
    }

    private JsonNode parse() {
        if (bytes.length == 0 || !mayBeJson()) {
            return NOT_JSON;
        }
        try {
            JsonNode tree = Json.MAPPER.readTree(bytes);
            return tree == null || tree.isMissingNode() ? NOT_JSON : tree;
        } catch (IOException e) {
            return NOT_JSON;
        }
    }

    private boolean mayBeJson() {
        if (contentType != null && !contentType.toLowerCase(Locale.ROOT).contains("json")) {
            return false;
        }
        for (byte b : bytes) {
            if (b != ' ' && b != '\n' && b != '\r' && b != '\t') {
                return b == '{' || b == '[';
            }
        }
        return false;
    }
}

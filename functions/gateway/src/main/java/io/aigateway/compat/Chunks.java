package io.aigateway.compat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aigateway.core.Json;

import java.time.Clock;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * Makes the {@code chat.completion.chunk} objects of one stream: same id, created and model on each, the role on
 * each choice's first chunk, and the usage chunk (empty choices) once, only when the client asked for it with
 * {@code stream_options.include_usage}. Not thread-safe; one per stream.
 */
final class Chunks {
    private String id;
    private final long created;
    private final String model;
    private final boolean includeUsage;
    private final Set<Integer> roleSent = new HashSet<>();
    private final Set<Integer> finished = new HashSet<>();
    private OpenAi.Tokens usage;
    private boolean usageSent;

    Chunks(ObjectNode request, String model, Clock clock) {
        this.id = OpenAi.newId("chatcmpl-");
        this.created = clock.instant().getEpochSecond();
        this.model = model;
        JsonNode options = request == null ? null : request.get("stream_options");
        this.includeUsage = options != null && options.path("include_usage").asBoolean(false);
    }

    /** Uses the provider's message id when it sends one before the first chunk. */
    void id(String providerId) {
        if (providerId != null && !providerId.isEmpty() && roleSent.isEmpty()) {
            this.id = providerId;
        }
    }

    ObjectNode chunk(int choice, ObjectNode delta, String finish) {
        if (roleSent.add(choice)) {
            ObjectNode withRole = Json.MAPPER.createObjectNode().put("role", "assistant");
            withRole.setAll(delta);
            delta = withRole;
        }
        ObjectNode c = Json.MAPPER.createObjectNode();
        c.put("id", id);
        c.put("object", "chat.completion.chunk");
        c.put("created", created);
        c.put("model", model);
        ObjectNode ch = c.putArray("choices").addObject();
        ch.put("index", choice);
        ch.set("delta", delta);
        ch.putNull("logprobs");
        if (finish == null) {
            ch.putNull("finish_reason");
        } else {
            ch.put("finish_reason", finish);
            finished.add(choice);
        }
        return c;
    }

    /** The opening chunk: role and empty content, as OpenAI sends first. */
    ObjectNode start(int choice) {
        return chunk(choice, Json.MAPPER.createObjectNode().put("content", ""), null);
    }

    ObjectNode content(int choice, String text) {
        return chunk(choice, Json.MAPPER.createObjectNode().put("content", text), null);
    }

    ObjectNode reasoning(int choice, String text) {
        return chunk(choice, Json.MAPPER.createObjectNode().put("reasoning_content", text), null);
    }

    /** A tool call's first delta: index, id, type, name, and the arguments known so far. */
    ObjectNode toolStart(int choice, int index, String callId, String name, String arguments) {
        ObjectNode call = Json.MAPPER.createObjectNode();
        call.put("index", index);
        call.put("id", callId);
        call.put("type", "function");
        call.putObject("function").put("name", name).put("arguments", arguments);
        ObjectNode delta = Json.MAPPER.createObjectNode();
        delta.putArray("tool_calls").add(call);
        return chunk(choice, delta, null);
    }

    ObjectNode toolArguments(int choice, int index, String fragment) {
        ObjectNode call = Json.MAPPER.createObjectNode();
        call.put("index", index);
        call.putObject("function").put("arguments", fragment);
        ObjectNode delta = Json.MAPPER.createObjectNode();
        delta.putArray("tool_calls").add(call);
        return chunk(choice, delta, null);
    }

    ObjectNode finish(int choice, String reason) {
        return chunk(choice, Json.MAPPER.createObjectNode(), reason);
    }

    /** Puts the finish reason on a chunk already made (the last content chunk of that choice). */
    ObjectNode finishOn(ObjectNode chunk, int choice, String reason) {
        ((ObjectNode) chunk.get("choices").get(0)).put("finish_reason", reason);
        finished.add(choice);
        return chunk;
    }

    boolean finished(int choice) {
        return finished.contains(choice);
    }

    boolean started() {
        return !roleSent.isEmpty();
    }

    void usage(OpenAi.Tokens tokens) {
        usage = usage == null ? tokens : usage.max(tokens);
    }

    OpenAi.Tokens usage() {
        return usage;
    }

    /** The usage chunk, once, when asked for and known. */
    Optional<ObjectNode> usageChunk() {
        if (!includeUsage || usageSent || usage == null) {
            return Optional.empty();
        }
        usageSent = true;
        ObjectNode c = Json.MAPPER.createObjectNode();
        c.put("id", id);
        c.put("object", "chat.completion.chunk");
        c.put("created", created);
        c.put("model", model);
        c.putArray("choices");
        c.set("usage", usage.json());
        return Optional.of(c);
    }

    /** An error the provider sent mid-stream, as the {@code data:} object OpenAI's SDKs raise. */
    static ObjectNode error(OpenAiError e) {
        return e.body().deepCopy();
    }
}

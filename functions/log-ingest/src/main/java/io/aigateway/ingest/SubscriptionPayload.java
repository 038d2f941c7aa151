package io.aigateway.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import io.aigateway.core.Json;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * A CloudWatch Logs subscription delivery: {@code awslogs.data} is base64 of gzip of
 * {@code {messageType, owner, logGroup, logStream, subscriptionFilters, logEvents: [{id, timestamp, message}]}}.
 * One delivery holds events of one log stream (one execution environment). A re-delivery carries the same event
 * ids, so the batch id is a hash of the stream and the ids: the same delivery always has the same id.
 */
public record SubscriptionPayload(String messageType, String logGroup, String logStream, List<String> eventIds,
                                  List<String> messages) {

    public static SubscriptionPayload decode(String awslogsData) {
        byte[] gz = Base64.getDecoder().decode(awslogsData);
        JsonNode root;
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gz))) {
            root = Json.MAPPER.readTree(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException("awslogs.data is not gzip'ed JSON", e);
        }
        List<String> ids = new ArrayList<>();
        List<String> messages = new ArrayList<>();
        for (JsonNode event : root.path("logEvents")) {
            ids.add(event.path("id").asText());
            messages.add(event.path("message").asText());
        }
        return new SubscriptionPayload(root.path("messageType").asText(), root.path("logGroup").asText(),
                root.path("logStream").asText(), List.copyOf(ids), List.copyOf(messages));
    }

    /** CloudWatch sends one of these when a subscription is created, to check the destination: nothing to store. */
    public boolean isControlMessage() {
        return "CONTROL_MESSAGE".equals(messageType);
    }

    public String batchId() {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update((logGroup + "\n" + logStream + "\n").getBytes(StandardCharsets.UTF_8));
            for (String id : eventIds) {
                sha.update(id.getBytes(StandardCharsets.UTF_8));
                sha.update((byte) '\n');
            }
            return "cwl-" + HexFormat.of().formatHex(sha.digest(), 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

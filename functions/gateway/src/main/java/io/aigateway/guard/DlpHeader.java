package io.aigateway.guard;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aigateway.core.Headers;
import io.aigateway.core.Json;
import io.aigateway.pipeline.DlpOutcome;

/**
 * The {@code cf-aig-dlp} response header, in Cloudflare's shape:
 * <pre>{@code {"findings":[{"profile":{"context":{},"entry_ids":["credit_card"],"profile_id":"financial"},
 *              "policy_ids":["no-cards"],"check":"REQUEST"}],"action":"BLOCK"}}</pre>
 * {@code entry_ids} are the finding types (never values).
 */
final class DlpHeader {
    static final String NAME = "cf-aig-dlp";

    private DlpHeader() {
    }

    /** Null when nothing matched. */
    static String value(DlpOutcome outcome) {
        if (outcome.action() == null) {
            return null;
        }
        ObjectNode root = Json.MAPPER.createObjectNode();
        ArrayNode findings = root.putArray("findings");
        for (DlpOutcome.Match m : outcome.matches()) {
            ObjectNode f = findings.addObject();
            ObjectNode profile = f.putObject("profile");
            profile.putObject("context");
            m.types().forEach(profile.putArray("entry_ids")::add);
            profile.put("profile_id", m.profile());
            m.policyIds().forEach(f.putArray("policy_ids")::add);
            f.put("check", m.check());
        }
        root.put("action", outcome.action());
        return root.toString();
    }

    static Headers with(Headers headers, DlpOutcome outcome) {
        String v = value(outcome);
        return v == null ? headers : headers.toBuilder().set(NAME, v).build();
    }

    static Headers of(DlpOutcome outcome) {
        return with(Headers.empty(), outcome);
    }
}

package io.aigateway.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aigateway.core.ErrorCode;
import io.aigateway.core.GatewayException;

import java.util.List;

/**
 * The governance part of a gateway's settings: budgets and who may bring provider keys.
 *
 * @param spendLimits         {@code spend_limits}: USD budgets per window and bucket
 * @param tokenLimits         {@code token_limits}: token budgets per window and bucket
 * @param clientProviderKeys  {@code client_provider_keys}: whether a provider key the client sends is used
 *                            ({@code allow}, the default) or dropped in favour of the stored one ({@code deny})
 * @param providerKeysVersion {@code provider_keys_version}: bumped by the admin API whenever a stored provider key
 *                            changes, so every instance re-reads its keys on its next settings refresh (read only)
 */
public record Governance(List<LimitRule> spendLimits, List<LimitRule> tokenLimits, boolean clientProviderKeys,
                         long providerKeysVersion) {

    public static final Governance NONE = new Governance(List.of(), List.of(), true, 0);

    /** The settings fields this record owns. */
    static boolean owns(String field) {
        return switch (field) {
            case "spend_limits", "token_limits", "client_provider_keys", "provider_keys_version" -> true;
            default -> false;
        };
    }

    /** Applies one PUT field ({@link #owns} it). {@code provider_keys_version} is read only: ignored here. */
    Governance with(String field, JsonNode v) {
        return switch (field) {
            case "spend_limits" -> new Governance(LimitRule.parseList(field, v, LimitRule.Measure.SPEND), tokenLimits,
                    clientProviderKeys, providerKeysVersion);
            case "token_limits" -> new Governance(spendLimits, LimitRule.parseList(field, v, LimitRule.Measure.TOKENS),
                    clientProviderKeys, providerKeysVersion);
            case "client_provider_keys" -> {
                String mode = v.isTextual() ? v.asText() : "";
                if (!mode.equals("allow") && !mode.equals("deny")) {
                    throw new GatewayException(ErrorCode.BAD_REQUEST, "Invalid setting 'client_provider_keys': must be"
                            + " allow (a provider key the client sends is used) or deny (only stored keys are used).");
                }
                yield new Governance(spendLimits, tokenLimits, mode.equals("allow"), providerKeysVersion);
            }
            default -> this;
        };
    }

    public Governance withProviderKeysVersion(long version) {
        return new Governance(spendLimits, tokenLimits, clientProviderKeys, version);
    }

    void writeTo(ObjectNode o) {
        o.set("spend_limits", LimitRule.toJson(spendLimits));
        o.set("token_limits", LimitRule.toJson(tokenLimits));
        o.put("client_provider_keys", clientProviderKeys ? "allow" : "deny");
        o.put("provider_keys_version", providerKeysVersion);
    }

    /** Every budget rule of the gateway, spend rules first. */
    public List<LimitRule> rules() {
        if (tokenLimits.isEmpty()) {
            return spendLimits;
        }
        java.util.ArrayList<LimitRule> all = new java.util.ArrayList<>(spendLimits);
        all.addAll(tokenLimits);
        return List.copyOf(all);
    }
}

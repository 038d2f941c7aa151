package io.aigateway.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aigateway.byok.ProviderKeys;
import io.aigateway.config.GatewayConfig;
import io.aigateway.config.GatewaySettings;
import io.aigateway.config.SettingsCache;
import io.aigateway.config.SettingsStore;
import io.aigateway.core.ErrorCode;
import io.aigateway.core.GatewayException;
import io.aigateway.core.GatewayResponse;
import io.aigateway.provider.ProviderRegistry;
import io.aigateway.sigv4.AwsKey;
import io.aigateway.sigv4.BedrockCredentials;

import java.time.Instant;

/**
 * Stored provider keys under {@code /api/v1/gateways/{id}/provider-keys}: list; {@code PUT}, {@code GET} and
 * {@code DELETE /provider-keys/{provider}[/{alias}]} (alias {@code default} when left out). The key is write-only:
 * no answer ever holds it. Storing needs {@code authentication: true} on the gateway (else anyone could spend the
 * key). A key for {@code aws-bedrock} is AWS credentials ({@link AwsKey}), which the gateway signs with. Every change bumps the gateway's {@code provider_keys_version}, which makes every instance re-read its keys
 * on its next settings refresh.
 */
final class ProviderKeysAdmin {
    private static final int MAX_KEY_CHARS = 8_192;

    private final ProviderKeys keys;
    private final SettingsStore settings;
    private final SettingsCache settingsCache;
    private final GatewayConfig config;
    private final ProviderRegistry registry;

    ProviderKeysAdmin(ProviderKeys keys, SettingsStore settings, SettingsCache settingsCache, GatewayConfig config,
                      ProviderRegistry registry) {
        this.keys = keys;
        this.settings = settings;
        this.settingsCache = settingsCache;
        this.config = config;
        this.registry = registry;
    }

    GatewayResponse handle(String method, String path, String gateway, String[] parts, byte[] body) {
        if (parts.length == 2) {
            if (!"GET".equals(method)) {
                throw AdminApi.methodNotAllowed(path, "GET");
            }
            ObjectNode root = AdminApi.envelope();
            ArrayNode result = root.putArray("result");
            keys.list(gateway).forEach(i -> result.add(json(i)));
            root.putObject("result_info").put("count", result.size());
            return AdminApi.ok(root);
        }
        if (parts.length > 4) {
            throw new GatewayException(ErrorCode.ROUTE_NOT_FOUND,
                    "Provider key routes: /provider-keys and /provider-keys/{provider}[/{alias}].");
        }
        String provider = parts[2];
        if (registry.find(provider).isEmpty()) {
            throw new GatewayException(ErrorCode.UNKNOWN_PROVIDER, "Unknown provider '" + provider + "'; known: "
                    + registry.knownSlugs() + ".");
        }
        if (registry.find(provider).get().keyHeader() == null && !BedrockCredentials.PROVIDER.equals(provider)) {
            throw AdminApi.bad("Provider '" + provider + "' takes no API key header (requests to it are signed); "
                    + "there is no key to store for it.");
        }
        String alias = parts.length == 4 ? parts[3] : ProviderKeys.DEFAULT_ALIAS;
        if (!ProviderKeys.ALIAS.matcher(alias).matches()) {
            throw AdminApi.bad("The alias must be 1-64 letters, digits, '_' or '-'.");
        }
        return switch (method) {
            case "PUT" -> put(gateway, provider, alias, AdminApi.parseBody(body));
            case "GET" -> one(keys.get(gateway, provider, alias).orElseThrow(() -> notFound(gateway, provider, alias)));
            case "DELETE" -> {
                if (!keys.delete(gateway, provider, alias)) {
                    throw notFound(gateway, provider, alias);
                }
                bumpVersion(gateway);
                yield AdminApi.ok(AdminApi.envelope());
            }
            default -> throw AdminApi.methodNotAllowed(path, "PUT, GET or DELETE");
        };
    }

    private GatewayResponse put(String gateway, String provider, String alias, JsonNode body) {
        GatewaySettings current = settings.get(gateway).orElseGet(() -> config.defaultsFor(gateway));
        if (!current.authentication()) {
            throw AdminApi.bad("Gateway '" + gateway + "' has authentication off: anyone could use a stored key."
                    + " Turn it on first (PUT /api/v1/gateways/" + gateway + " {\"authentication\": true}).");
        }
        body.fieldNames().forEachRemaining(f -> {
            if (!f.equals("key") && !f.equals("description")) {
                throw AdminApi.bad("'" + f + "' is not a field of a provider key; send key and description.");
            }
        });
        JsonNode key = body.get("key");
        if (key == null || !key.isTextual() || key.asText().isBlank() || key.asText().length() > MAX_KEY_CHARS
                || !io.aigateway.core.Headers.isSafeValue(key.asText())) {
            throw AdminApi.bad("key must be the provider's API key: a string of 1-" + MAX_KEY_CHARS
                    + " characters on one line.");
        }
        if (BedrockCredentials.PROVIDER.equals(provider)) {
            try {
                AwsKey.parse(key.asText());
            } catch (IllegalArgumentException notAwsCredentials) {
                throw AdminApi.bad("key for aws-bedrock must be AWS credentials, " + AwsKey.SHAPE + ": "
                        + notAwsCredentials.getMessage() + ". The gateway signs Bedrock requests with them (SigV4).");
            }
        }
        JsonNode description = body.get("description");
        if (description != null && (!description.isTextual() || description.asText().length() > 256)) {
            throw AdminApi.bad("description must be a string of at most 256 characters.");
        }
        ProviderKeys.Info info = keys.put(gateway, provider, alias, key.asText().trim(),
                description == null ? null : description.asText(), System.currentTimeMillis());
        bumpVersion(gateway);
        return one(info);
    }

    private void bumpVersion(String gateway) {
        GatewaySettings current = settings.get(gateway).orElseGet(() -> config.defaultsFor(gateway));
        long next = Math.max(current.governance().providerKeysVersion() + 1, System.currentTimeMillis());
        GatewaySettings updated = current.withGovernance(current.governance().withProviderKeysVersion(next));
        if (!updated.configured()) {
            updated = updated.merge(com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode(),
                    System.currentTimeMillis()).withGovernance(updated.governance());
        }
        settings.put(updated);
        settingsCache.invalidate(gateway);
    }

    private static GatewayResponse one(ProviderKeys.Info info) {
        ObjectNode root = AdminApi.envelope();
        root.set("result", json(info));
        return AdminApi.ok(root);
    }

    private static ObjectNode json(ProviderKeys.Info info) {
        ObjectNode o = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        o.put("provider", info.provider());
        o.put("alias", info.alias());
        o.put("description", info.description());
        o.put("created_at", Instant.ofEpochMilli(info.createdAt()).toString());
        o.put("updated_at", Instant.ofEpochMilli(info.updatedAt()).toString());
        return o;
    }

    private static GatewayException notFound(String gateway, String provider, String alias) {
        return new GatewayException(ErrorCode.ROUTE_NOT_FOUND, "Gateway '" + gateway + "' has no stored key for '"
                + provider + "' under alias '" + alias + "'.");
    }
}

package io.aigateway.compatapi;

import io.aigateway.compat.UnsupportedParameterException;
import io.aigateway.core.Headers;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Turns a translated path (relative to the provider's base URL) into the path after the provider slug that a
 * direct request would use, so the route is parsed, checked and logged exactly as a direct request's. Providers
 * whose base URL holds a part of its own (Bedrock's region, Vertex's project and location, Azure's resource) take it
 * from the target's parameters: a route's model element, else the request's {@code x-aig-*} headers.
 */
final class Mount {
    /** Request headers naming a provider's location; never sent upstream. */
    static final String HEADER_PREFIX = "x-aig-";
    static final String REGION = "region";
    static final String PROJECT = "project";
    static final String LOCATION = "location";
    static final String RESOURCE = "resource";
    private static final Pattern VALUE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9-]{0,62}");

    private Mount() {
    }

    /** The parameters a request names in headers ({@code x-aig-region: us-east-1}). */
    static Map<String, String> fromHeaders(Headers headers) {
        Map<String, String> out = new HashMap<>();
        for (String name : new String[] {REGION, PROJECT, LOCATION, RESOURCE}) {
            String v = headers.firstOrNull(HEADER_PREFIX + name);
            if (v != null && !v.isBlank()) {
                out.put(name, v.trim());
            }
        }
        return out;
    }

    /** The path after the provider slug, with its query, for {@code provider} and {@code model}. */
    static String rest(String provider, String translatedPath, String model, Map<String, String> params) {
        return switch (provider) {
            case "aws-bedrock" -> "/bedrock-runtime/" + required(provider, REGION, params, "us-east-1")
                    + translatedPath;
            case "azure-openai" -> "/" + required(provider, RESOURCE, params, "my-resource") + "/"
                    + URLEncoder.encode(model, StandardCharsets.UTF_8) + translatedPath;
            case "google-vertex-ai" -> translatedPath
                    .replace("{project}", required(provider, PROJECT, params, "my-project"))
                    .replace("{location}", params.containsKey(LOCATION)
                            ? checked(provider, LOCATION, params.get(LOCATION)) : "global");
            default -> translatedPath;
        };
    }

    private static String required(String provider, String name, Map<String, String> params, String example) {
        String v = params.get(name);
        if (v == null) {
            throw new UnsupportedParameterException(HEADER_PREFIX + name, provider, provider + " through /compat needs"
                    + " its " + name + ": send the header '" + HEADER_PREFIX + name + ": " + example + "' (or set \""
                    + name + "\" on the route's model element)");
        }
        return checked(provider, name, v);
    }

    private static String checked(String provider, String name, String v) {
        if (!VALUE.matcher(v).matches()) {
            throw new UnsupportedParameterException(HEADER_PREFIX + name, provider, "the " + name + " for " + provider
                    + " must be letters, digits and '-' (got '" + Headers.printable(v) + "')");
        }
        return v;
    }
}

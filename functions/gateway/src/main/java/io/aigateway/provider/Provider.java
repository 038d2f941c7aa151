package io.aigateway.provider;

import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One registry entry: what differs between providers, and nothing else. {@code baseTemplate} may name
 * parameters in braces, filled from the gateway path ({@code hostPattern}, matched against the path after the
 * slug) or from the route ({@code account}). Each parameter's pattern is strict, so a path can never choose a
 * host outside the provider's own domain.
 *
 * @param slug            the path segment after the gateway id
 * @param baseTemplate    upstream base URL, for example {@code https://api.openai.com/v1}
 * @param hostPattern     named groups filling the template; null when the base is fixed
 * @param consumesMatch   whether the matched prefix is removed from the path sent upstream
 * @param modelPattern    finds the model in the path when the body does not name it (group "model")
 * @param pathHint        what the path after the slug must hold, for error messages
 * @param streamPattern   paths that ask for a streamed answer when the body does not say so (Gemini, Bedrock)
 */
public record Provider(String slug, String baseTemplate, Pattern hostPattern, boolean consumesMatch,
                       Pattern modelPattern, String pathHint, Pattern streamPattern) {

    public static Provider fixed(String slug, String baseUrl) {
        return new Provider(slug, baseUrl, null, false, null, "the provider's own path", null);
    }

    public static Provider templated(String slug, String baseTemplate, String hostRegex, boolean consumesMatch,
                                     String pathHint) {
        return new Provider(slug, baseTemplate, Pattern.compile(hostRegex), consumesMatch, null, pathHint, null);
    }

    public Provider withModelPattern(String regex) {
        return new Provider(slug, baseTemplate, hostPattern, consumesMatch, Pattern.compile(regex), pathHint,
                streamPattern);
    }

    public Provider withStreamPattern(String regex) {
        return new Provider(slug, baseTemplate, hostPattern, consumesMatch, modelPattern, pathHint,
                Pattern.compile(regex));
    }

    public boolean isStreamingPath(String restPath) {
        return streamPattern != null && streamPattern.matcher(restPath).find();
    }

    public Optional<String> modelFromPath(String restPath) {
        if (modelPattern == null) {
            return Optional.empty();
        }
        Matcher m = modelPattern.matcher(restPath);
        return m.find() ? Optional.of(m.group("model")) : Optional.empty();
    }

    /** Fills the template; returns null when the path lacks what the template needs. */
    String fill(Map<String, String> params) {
        String url = baseTemplate;
        for (Map.Entry<String, String> p : params.entrySet()) {
            url = url.replace("{" + p.getKey() + "}", p.getValue());
        }
        return url.contains("{") ? null : url;
    }
}

package io.aigateway.provider;

import java.util.ArrayList;
import java.util.List;
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
 * @param pathForms       other path shapes the provider accepts (an official SDK's own URL layout), tried in order
 *                        before the main one
 * @param keyHeader       where the provider takes an API key (a stored key is injected there); null: the provider
 *                        takes no key header (AWS Bedrock signs requests instead)
 */
public record Provider(String slug, String baseTemplate, Pattern hostPattern, boolean consumesMatch,
                       Pattern modelPattern, String pathHint, Pattern streamPattern, List<PathForm> pathForms,
                       KeyHeader keyHeader) {

    /** The header a provider reads its API key from, and what precedes the key in it ({@code "Bearer "}). */
    public record KeyHeader(String name, String prefix) {
        public static final KeyHeader BEARER = new KeyHeader("authorization", "Bearer ");

        public String value(String key) {
            return prefix + key;
        }
    }

    /**
     * Another accepted path shape: when {@code prefix} matches at the start of the path after the slug, the matched
     * part is consumed, its named groups fill {@code baseTemplate} (checked as strictly as the main form's), and the
     * rest of the path follows that base.
     */
    public record PathForm(Pattern prefix, String baseTemplate) {
    }

    public static Provider fixed(String slug, String baseUrl) {
        return new Provider(slug, baseUrl, null, false, null, "the provider's own path", null, List.of(),
                KeyHeader.BEARER);
    }

    public static Provider templated(String slug, String baseTemplate, String hostRegex, boolean consumesMatch,
                                     String pathHint) {
        return new Provider(slug, baseTemplate, Pattern.compile(hostRegex), consumesMatch, null, pathHint, null,
                List.of(), KeyHeader.BEARER);
    }

    public Provider withModelPattern(String regex) {
        return new Provider(slug, baseTemplate, hostPattern, consumesMatch, Pattern.compile(regex), pathHint,
                streamPattern, pathForms, keyHeader);
    }

    public Provider withStreamPattern(String regex) {
        return new Provider(slug, baseTemplate, hostPattern, consumesMatch, modelPattern, pathHint,
                Pattern.compile(regex), pathForms, keyHeader);
    }

    /** Adds a path shape, tried after those added before it and before the main form. */
    public Provider withPathForm(String prefixRegex, String formBaseTemplate) {
        List<PathForm> forms = new ArrayList<>(pathForms);
        forms.add(new PathForm(Pattern.compile(prefixRegex), formBaseTemplate));
        return new Provider(slug, baseTemplate, hostPattern, consumesMatch, modelPattern, pathHint, streamPattern,
                List.copyOf(forms), keyHeader);
    }

    /** Where a stored key goes: {@code withKeyHeader("x-api-key", "")}; null for none. */
    public Provider withKeyHeader(String name, String prefix) {
        return new Provider(slug, baseTemplate, hostPattern, consumesMatch, modelPattern, pathHint, streamPattern,
                pathForms, name == null ? null : new KeyHeader(name, prefix));
    }

    public boolean isStreamingPath(String restPath) {
        return streamPattern != null && streamPattern.matcher(restPath).find();
    }

    public Optional<String> modelFromPath(String restPath) {
        if (modelPattern == null) {
            return Optional.empty();
        }
        Matcher m = modelPattern.matcher(restPath);
        return m.find() ? Optional.of(decoded(m.group("model"))) : Optional.empty();
    }

    /**
     * A model id as the provider means it: SDKs percent-encode ids in paths (boto3 sends Bedrock's
     * {@code anthropic.claude-3-haiku-20240307-v1:0} as {@code ...-v1%3A0}), and logs, filters, prices and metrics
     * need the id itself. Only the copy is decoded; the path sent upstream keeps its bytes. Left as it is when it is
     * not well-formed UTF-8 percent-encoding.
     */
    static String decoded(String id) {
        if (id.indexOf('%') < 0) {
            return id;
        }
        try {
            return RouteParser.decodeStrict(id);
        } catch (RuntimeException malformed) {
            return id;
        }
    }

    /** Fills a template; returns null when the path lacks what the template needs. */
    static String fill(String template, Map<String, String> params) {
        String url = template;
        for (Map.Entry<String, String> p : params.entrySet()) {
            url = url.replace("{" + p.getKey() + "}", p.getValue());
        }
        return url.contains("{") ? null : url;
    }
}

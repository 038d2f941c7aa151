package io.aigateway.compat;

/**
 * The {@code model} of a compat request: {@code {provider}/{model}}, or {@code dynamic/{route}} for a dynamic route
 * (routes are resolved elsewhere; this only recognises the reference).
 */
public sealed interface CompatModel {

    /** A provider slug and the model id as that provider names it (which may itself hold slashes). */
    record ProviderModel(String provider, String model) implements CompatModel {
    }

    /** {@code dynamic/{route}}: the caller must resolve the route before translating. */
    record RouteRef(String route) implements CompatModel {
    }

    String DYNAMIC = "dynamic";

    /**
     * Splits at the first slash only: Workers AI ({@code @cf/meta/llama-3.1-8b-instruct}) and OpenRouter
     * ({@code anthropic/claude-sonnet-4.5}) model ids contain slashes of their own.
     *
     * @throws UnsupportedParameterException when the value is not {@code provider/model}
     */
    static CompatModel parse(String value) {
        if (value == null || value.isBlank()) {
            throw new UnsupportedParameterException("model", null, "model is required, as {provider}/{model}");
        }
        int slash = value.indexOf('/');
        if (slash <= 0 || slash == value.length() - 1) {
            throw new UnsupportedParameterException("model", null,
                    "model must be {provider}/{model} (for example anthropic/claude-sonnet-4-5) or dynamic/{route}, got '"
                            + value + "'");
        }
        String provider = value.substring(0, slash);
        String rest = value.substring(slash + 1);
        return DYNAMIC.equals(provider) ? new RouteRef(rest) : new ProviderModel(provider, rest);
    }
}

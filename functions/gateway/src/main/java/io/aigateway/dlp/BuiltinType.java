package io.aigateway.dlp;

/** The built-in detectors: finding type and the profile each belongs to. */
enum BuiltinType {
    CREDIT_CARD("credit_card", BuiltinType.FINANCIAL),
    IBAN("iban", BuiltinType.FINANCIAL),
    ABA_ROUTING("aba_routing", BuiltinType.FINANCIAL),
    US_SSN("us_ssn", BuiltinType.GOVERNMENT_ID),
    JP_MY_NUMBER("jp_my_number", BuiltinType.GOVERNMENT_ID),
    CN_RESIDENT_ID("cn_resident_id", BuiltinType.GOVERNMENT_ID),
    EMAIL("email", BuiltinType.CONTACT),
    PHONE("phone", BuiltinType.CONTACT),
    IPV4("ipv4", BuiltinType.CONTACT),
    IPV6("ipv6", BuiltinType.CONTACT),
    AWS_ACCESS_KEY_ID("aws_access_key_id", BuiltinType.CREDENTIALS),
    AWS_SECRET_KEY("aws_secret_key", BuiltinType.CREDENTIALS),
    OPENAI_KEY("openai_key", BuiltinType.CREDENTIALS),
    ANTHROPIC_KEY("anthropic_key", BuiltinType.CREDENTIALS),
    GOOGLE_API_KEY("google_api_key", BuiltinType.CREDENTIALS),
    GITHUB_TOKEN("github_token", BuiltinType.CREDENTIALS),
    JWT("jwt", BuiltinType.CREDENTIALS),
    PRIVATE_KEY("private_key", BuiltinType.CREDENTIALS);

    static final String FINANCIAL = "financial";
    static final String GOVERNMENT_ID = "government_id";
    static final String CONTACT = "contact";
    static final String CREDENTIALS = "credentials";

    final String type;
    final String profile;

    BuiltinType(String type, String profile) {
        this.type = type;
        this.profile = profile;
    }

    /** Bit of the profile in a {@link BuiltinEngine} mask. */
    static int bit(String profile) {
        return switch (profile) {
            case FINANCIAL -> BuiltinEngine.FIN;
            case GOVERNMENT_ID -> BuiltinEngine.GOV;
            case CONTACT -> BuiltinEngine.CONTACT;
            case CREDENTIALS -> BuiltinEngine.CRED;
            default -> 0;
        };
    }
}

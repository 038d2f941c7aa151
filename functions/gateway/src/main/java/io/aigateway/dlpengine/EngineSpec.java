package io.aigateway.dlpengine;

import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A managed DLP engine a gateway names in its {@code dlp.engines} setting: what to call and how long to wait. The
 * setting holds no endpoint and no credentials: the endpoint is the service's regional one (or a process-level
 * override for tests and LocalStack), the credentials are the function's own.
 */
public sealed interface EngineSpec {
    /** What a request gets when the engine cannot answer in time (timeout, throttling, a 5xx, no credentials). */
    enum OnError {
        /** Fail open: checked by the built-in detectors only. */
        ALLOW,
        /** Fail closed: refused as if a BLOCK policy had matched (2029 / 2030). */
        BLOCK
    }

    int DEFAULT_TIMEOUT_MS = 1000;
    int MIN_TIMEOUT_MS = 50;
    int MAX_TIMEOUT_MS = 10_000;

    String id();

    /** {@code bedrock_guardrail} or {@code comprehend_pii}, as the setting spells it. */
    String type();

    /** Null: the process's region (AWS_REGION). */
    String region();

    int timeoutMs();

    OnError onError();

    /** Whether its findings have positions (so a REDACT policy can use it). */
    boolean placesFindings();

    /** Amazon Bedrock Guardrails {@code ApplyGuardrail}: content filters, denied topics, words, prompt attacks, PII. */
    record Guardrail(String id, String guardrailId, String guardrailVersion, String region, int timeoutMs,
                     OnError onError) implements EngineSpec {
        public static final String TYPE = "bedrock_guardrail";

        public Guardrail {
            Objects.requireNonNull(id);
            Objects.requireNonNull(guardrailId);
            Objects.requireNonNull(guardrailVersion);
            Objects.requireNonNull(onError);
        }

        @Override
        public String type() {
            return TYPE;
        }

        @Override
        public boolean placesFindings() {
            return false;
        }
    }

    /**
     * Amazon Comprehend {@code DetectPiiEntities}.
     *
     * @param entityTypes Comprehend's type names to report (empty: all)
     */
    record ComprehendPii(String id, String languageCode, double minScore, Set<String> entityTypes, String region,
                         int timeoutMs, OnError onError) implements EngineSpec {
        public static final String TYPE = "comprehend_pii";
        public static final List<String> LANGUAGES = List.of("en", "es");
        /**
         * The entity types DetectPiiEntities reports (API reference, PiiEntityType, without ALL, which only redaction
         * jobs take); a test holds this to the SDK's list.
         */
        public static final List<String> ENTITY_TYPES = List.of("BANK_ACCOUNT_NUMBER", "BANK_ROUTING",
                "CREDIT_DEBIT_NUMBER", "CREDIT_DEBIT_CVV", "CREDIT_DEBIT_EXPIRY", "PIN", "EMAIL", "ADDRESS", "NAME",
                "PHONE", "SSN", "DATE_TIME", "PASSPORT_NUMBER", "DRIVER_ID", "URL", "AGE", "USERNAME", "PASSWORD",
                "AWS_ACCESS_KEY", "AWS_SECRET_KEY", "IP_ADDRESS", "MAC_ADDRESS", "LICENSE_PLATE",
                "VEHICLE_IDENTIFICATION_NUMBER", "UK_NATIONAL_INSURANCE_NUMBER", "CA_SOCIAL_INSURANCE_NUMBER",
                "US_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER", "UK_UNIQUE_TAXPAYER_REFERENCE_NUMBER",
                "IN_PERMANENT_ACCOUNT_NUMBER", "IN_NREGA", "INTERNATIONAL_BANK_ACCOUNT_NUMBER", "SWIFT_CODE",
                "UK_NATIONAL_HEALTH_SERVICE_NUMBER", "CA_HEALTH_NUMBER", "IN_AADHAAR", "IN_VOTER_NUMBER");
        public static final double DEFAULT_MIN_SCORE = 0.8;

        public ComprehendPii {
            Objects.requireNonNull(id);
            Objects.requireNonNull(languageCode);
            Objects.requireNonNull(onError);
            entityTypes = Set.copyOf(entityTypes);
        }

        @Override
        public String type() {
            return TYPE;
        }

        @Override
        public boolean placesFindings() {
            return true;
        }

        boolean reports(String entityType, double score) {
            return score >= minScore && (entityTypes.isEmpty() || entityTypes.contains(entityType));
        }
    }
}

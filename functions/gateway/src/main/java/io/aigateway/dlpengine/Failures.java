package io.aigateway.dlpengine;

import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkServiceException;
import software.amazon.awssdk.awscore.exception.AwsServiceException;

/**
 * Why an engine call failed, in words safe for a client, a header and a log: a status and the service's error code,
 * or the kind of local failure. Never the exception's message (a service message may quote the request; an SDK
 * message may name a profile or an endpoint) and never a request id.
 */
final class Failures {
    private Failures() {
    }

    static String describe(Throwable e, int timeoutMs) {
        if (e instanceof ApiCallTimeoutException || e instanceof ApiCallAttemptTimeoutException) {
            return timedOut(timeoutMs);
        }
        if (e instanceof AwsServiceException a && a.awsErrorDetails() != null
                && a.awsErrorDetails().errorCode() != null) {
            return "HTTP " + a.statusCode() + " (" + safe(a.awsErrorDetails().errorCode()) + ")";
        }
        if (e instanceof SdkServiceException s) {
            return "HTTP " + s.statusCode();
        }
        if (e instanceof SdkClientException) {
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            return root == e ? "client error" : "unreachable (" + root.getClass().getSimpleName() + ")";
        }
        return e.getClass().getSimpleName();
    }

    static String timedOut(int timeoutMs) {
        return "timed out after " + timeoutMs + " ms";
    }

    /** An AWS error code is a word such as ThrottlingException; anything else is not repeated. */
    private static String safe(String code) {
        return code.matches("[A-Za-z0-9_.:-]{1,64}") ? code : "error";
    }
}

package io.aigateway.recording;

import io.aigateway.pipeline.RequestContext;

/**
 * Decides, per request, what its record masks before it leaves the process: body heads, stored bodies, metadata
 * (see {@link RecordMask}). Runs when the request is recorded; the client's traffic is never changed by it.
 * {@link DetectorRedactor} applies the gateway's {@code log_redaction} setting.
 */
@FunctionalInterface
public interface LogRedactor {
    LogRedactor NONE = ex -> RecordMask.NONE;

    RecordMask mask(RequestContext ex);
}

package io.aigateway.pipeline;

import io.aigateway.core.ErrorCode;

/** What the client was answered, and how the provider call went: status, error, attempts, bytes, disconnects. */
public final class Answer {
    private int status;
    private ErrorCode error;
    private int attempts;
    private boolean clientGone;
    private boolean upstreamBroken;
    private long bytes;
    private byte[] head = new byte[0];
    private String contentType;

    public int status() {
        return status;
    }

    public void status(int value) {
        status = value;
    }

    /** The gateway's own error, when it answered with one (never a provider's). */
    public ErrorCode error() {
        return error;
    }

    public void fail(ErrorCode code) {
        error = code;
        status = code.status();
    }

    public int attempts() {
        return attempts;
    }

    /** One more call to the provider. */
    public void attempt() {
        attempts++;
    }

    public boolean clientGone() {
        return clientGone;
    }

    public void clientGone(boolean gone) {
        clientGone = gone;
    }

    public boolean upstreamBroken() {
        return upstreamBroken;
    }

    public void upstreamBroken(boolean broken) {
        upstreamBroken = broken;
    }

    public long bytes() {
        return bytes;
    }

    /** The first bytes of the answer (up to the capture limit), for the log's head and stored body. */
    public byte[] head() {
        return head;
    }

    public String contentType() {
        return contentType;
    }

    public void contentType(String value) {
        contentType = value;
    }

    /** The answer's size and its first bytes, once known. */
    public void body(long size, byte[] firstBytes) {
        bytes = size;
        head = firstBytes == null ? new byte[0] : firstBytes;
    }

    public boolean success() {
        return error == null && !upstreamBroken && status >= 200 && status < 400;
    }
}

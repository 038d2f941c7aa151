package io.aigateway.dlp;

/** How sure a detector is; ordered, so {@code compareTo} can filter by a minimum. */
public enum Confidence {
    /** Shape and checksum fit, but nothing around it says what it is (a bare 9-digit number that passes ABA). */
    LOW,
    /** Shape fits, nothing to check it against (an e-mail, a phone number, a formatted SSN). */
    MEDIUM,
    /** A checksum, a distinctive prefix or a context keyword confirms it. */
    HIGH;

    public boolean atLeast(Confidence minimum) {
        return compareTo(minimum) >= 0;
    }
}

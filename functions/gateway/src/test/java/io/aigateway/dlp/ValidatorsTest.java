package io.aigateway.dlp;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ValidatorsTest {
    @Test
    void checksums() {
        assertTrue(Validators.luhn("4111 1111 1111 1111"));
        assertFalse(Validators.luhn("4111 1111 1111 1112"));
        assertTrue(Validators.creditCard("378282246310005"));
        assertFalse(Validators.creditCard("1234567812345670")); // Luhn passes, no issuer
        assertTrue(Validators.iban("GB82 WEST 1234 5698 7654 32"));
        assertTrue(Validators.iban("DE89370400440532013000"));
        assertFalse(Validators.iban("DE89370400440532013001"));
        assertFalse(Validators.iban("GB82WEST1234569876543")); // wrong length
        assertTrue(Validators.abaRouting("021000021"));
        assertTrue(Validators.abaRouting("011000015"));
        assertFalse(Validators.abaRouting("021000022"));
        assertFalse(Validators.abaRouting("991000021"));
        assertTrue(Validators.usSsn("123-45-6789"));
        assertFalse(Validators.usSsn("900-45-6789"));
        assertFalse(Validators.usSsn("123-00-6789"));
        assertFalse(Validators.usSsn("123-45-0000"));
        assertTrue(Validators.myNumber("123456789018"));
        assertFalse(Validators.myNumber("123456789012"));
        assertTrue(Validators.cnResidentId("11010519491231002X"));
        assertTrue(Validators.cnResidentId("110105194912310029".substring(0, 17) + "X"));
        assertFalse(Validators.cnResidentId("110105194913310021")); // month 13
        assertFalse(Validators.luhn("4111a1111"));
        assertTrue(Validators.byName("mod97").isPresent());
        assertFalse(Validators.byName("nope").isPresent());
    }
}

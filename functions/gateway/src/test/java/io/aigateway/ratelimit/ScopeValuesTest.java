package io.aigateway.ratelimit;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.math.BigInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class ScopeValuesTest {

    @Test
    void spellingsOfOneValueAreOneValue() {
        for (Object one : new Object[]{1, 1L, 1.0, 1.0f, BigInteger.ONE, new BigDecimal("1.000"), "1", " 1.0 ", "1e0", "+1"}) {
            assertEquals("1", ScopeValues.metadata(one), String.valueOf(one));
        }
        assertEquals("0", ScopeValues.metadata(-0.0));
        assertEquals("0.5", ScopeValues.metadata(".50"));
        assertEquals("100", ScopeValues.metadata(1e2));
        assertEquals("true", ScopeValues.metadata(true));
        assertEquals("true", ScopeValues.metadata("TRUE"));
        assertEquals("alice", ScopeValues.metadata(" alice "));
        assertEquals("Alice", ScopeValues.text("Alice"), "text is not folded: distinct values stay distinct");
        assertEquals("1.2.3", ScopeValues.text("1.2.3"), "not a number");
        assertNull(ScopeValues.text("  "));
        assertNull(ScopeValues.metadata(null));
    }

    @Test
    void addressesAreKeyedByClientNotBySpelling() {
        assertEquals("203.0.113.7", ScopeValues.ip(" 203.0.113.7 "));
        assertEquals("2001:db8:0:0::/64", ScopeValues.ip("2001:db8::1"));
        assertEquals("2001:db8:0:0::/64", ScopeValues.ip("[2001:0db8:0000:0000:ffff::2]"));
        assertEquals("fe80:0:0:0::/64", ScopeValues.ip("fe80::1%eth0"));
        assertEquals("192.0.2.1", ScopeValues.ip("::ffff:192.0.2.1"));
        assertEquals("not-an-ip.example", ScopeValues.ip("not-an-ip.example"), "never looked up as a host name");
        assertNull(ScopeValues.ip(null));
        assertNull(ScopeValues.ip(" "));
    }
}

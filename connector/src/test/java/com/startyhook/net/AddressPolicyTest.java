package com.startyhook.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.startyhook.ConfigurationException;
import java.net.InetAddress;
import org.junit.jupiter.api.Test;

class AddressPolicyTest {
    static InetAddress ip(String literal) throws Exception {
        return InetAddress.getByName(literal);
    }

    @Test
    void everyNonPublicRangeIsRefusedByDefault() throws Exception {
        AddressPolicy strict = AddressPolicy.strict();
        for (String a : new String[] {"127.0.0.1", "127.8.9.10", "::1", "10.0.0.1", "172.16.0.1", "172.31.255.255",
            "192.168.1.1", "169.254.169.254", "fe80::1", "fc00::1", "fd12:3456::1", "100.64.0.1", "100.127.255.254",
            "224.0.0.1", "ff02::1", "0.0.0.0", "::", "0.1.2.3", "::ffff:127.0.0.1", "::ffff:10.1.2.3",
            "255.255.255.255"}) {
            assertThat(strict.refusal(null, ip(a))).as(a).isPresent();
        }
        assertThat(strict.refusal(null, ip("169.254.169.254")).orElseThrow())
                .contains("169.254.169.254").contains("link-local").contains(AddressPolicy.KEY);
    }

    @Test
    void publicAddressesPass() throws Exception {
        AddressPolicy strict = AddressPolicy.strict();
        for (String a : new String[] {"8.8.8.8", "1.1.1.1", "172.32.0.1", "172.15.255.255", "100.63.255.255",
            "100.128.0.1", "192.169.0.1", "11.0.0.1", "2001:db8::1", "2606:4700::1111"}) {
            assertThat(strict.refusal(null, ip(a))).as(a).isEmpty();
        }
    }

    @Test
    void theAllowanceNamesHostsAddressesAndRanges() throws Exception {
        AddressPolicy allow = AddressPolicy.parse("localhost, 10.20.0.0/16 fd00::/8,192.168.1.7");
        assertThat(allow.refusal("localhost", ip("127.0.0.1"))).isEmpty();
        assertThat(allow.refusal("LOCALHOST.", ip("::1"))).isEmpty();
        assertThat(allow.refusal("other.internal", ip("127.0.0.1"))).isPresent();
        assertThat(allow.refusal("x", ip("10.20.255.1"))).isEmpty();
        assertThat(allow.refusal("x", ip("10.21.0.1"))).isPresent();
        assertThat(allow.refusal("x", ip("fd00::5"))).isEmpty();
        assertThat(allow.refusal("x", ip("192.168.1.7"))).isEmpty();
        assertThat(allow.refusal("x", ip("192.168.1.8"))).isPresent();
        assertThat(AddressPolicy.parse("").isStrict()).isTrue();
        assertThat(AddressPolicy.parse(null).isStrict()).isTrue();
    }

    @Test
    void literalsAreRecognisedWithoutALookUp() {
        assertThat(AddressPolicy.strict().refusalOfLiteral("10.0.0.1")).isPresent();
        assertThat(AddressPolicy.strict().refusalOfLiteral("[::1]")).isPresent();
        assertThat(AddressPolicy.strict().refusalOfLiteral("169.254.169.254").orElseThrow()).contains("cloud metadata");
        assertThat(AddressPolicy.strict().refusalOfLiteral("erp-hooks.example.com")).as("a name: checked at connect")
                .isEmpty();
        assertThat(AddressPolicy.strict().refusalOfLiteral("localhost")).isEmpty();
        assertThat(AddressPolicy.literal("203.0.113.9")).isPresent();
    }

    @Test
    void aWrongAllowanceNamesTheKey() {
        assertThatThrownBy(() -> AddressPolicy.parse("10.0.0.0/33")).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining(AddressPolicy.KEY).hasMessageContaining("10.0.0.0/33");
        assertThatThrownBy(() -> AddressPolicy.parse("bad host!")).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining(AddressPolicy.KEY);
    }
}

package com.startyhook.net;

import com.startyhook.ConfigurationException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The guard against server-side request forgery: which network addresses a webhook may be sent to.
 * Loopback, private (RFC 1918, fc00::/7), link-local (169.254.0.0/16, where cloud metadata services
 * answer, and fe80::/10), carrier-grade NAT (100.64.0.0/10), multicast and unspecified addresses are
 * refused unless the operator allows them by host name, address or CIDR range (configuration key
 * {@value #KEY}). Used by rule validation for literal addresses in URLs, and by delivery on every
 * address a host name resolves to, at connect time (so DNS rebinding cannot get around it).
 * Immutable and thread-safe.
 */
public final class AddressPolicy {
    /** The configuration key listing the allowed hosts, addresses and CIDR ranges. */
    public static final String KEY = "delivery.allowed-private-hosts";

    private static final Pattern HOST_NAME = Pattern.compile("[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*\\.?");
    private static final Pattern IPV4_LITERAL = Pattern.compile("[0-9.]+");

    private static final AddressPolicy STRICT = new AddressPolicy(List.of(), List.of(), "");

    private final List<String> hosts;
    private final List<Cidr> ranges;
    private final String text;

    private AddressPolicy(List<String> hosts, List<Cidr> ranges, String text) {
        this.hosts = List.copyOf(hosts);
        this.ranges = List.copyOf(ranges);
        this.text = text;
    }

    /** Nothing private allowed: the default. */
    public static AddressPolicy strict() {
        return STRICT;
    }

    /** Every address allowed: for listings that only report on flows, never for delivery. */
    public static AddressPolicy permissive() {
        return parse("0.0.0.0/0,::/0");
    }

    /** The environment variable that sets {@value #KEY} for every command. */
    public static final String ENVIRONMENT_VARIABLE = "STARTYHOOK_DELIVERY_ALLOWED_PRIVATE_HOSTS";

    /**
     * Reads the value of {@value #KEY}: host names, IP addresses and CIDR ranges separated by commas
     * or spaces, e.g. {@code localhost,127.0.0.0/8,10.20.0.0/16}; null or blank allows nothing.
     */
    public static AddressPolicy parse(String value) {
        if (value == null || value.isBlank()) {
            return STRICT;
        }
        List<String> hosts = new ArrayList<>();
        List<Cidr> ranges = new ArrayList<>();
        for (String raw : value.trim().split("[,\\s]+")) {
            String item = raw.trim().toLowerCase(Locale.ROOT);
            if (item.isEmpty()) {
                continue;
            }
            if (item.startsWith("[") && item.endsWith("]")) {
                item = item.substring(1, item.length() - 1);
            }
            int slash = item.indexOf('/');
            if (slash >= 0 || isLiteral(item)) {
                ranges.add(Cidr.parse(item, raw));
            } else if (HOST_NAME.matcher(item).matches()) {
                hosts.add(stripDot(item));
            } else {
                throw new ConfigurationException(KEY + ": '" + raw + "' is neither a host name, an IP address nor a"
                        + " CIDR range; write e.g. localhost,127.0.0.0/8,10.20.0.0/16");
            }
        }
        return new AddressPolicy(hosts, ranges, String.join(",", value.trim().split("[,\\s]+")));
    }

    /** True when nothing is allowed beyond public addresses. */
    public boolean isStrict() {
        return hosts.isEmpty() && ranges.isEmpty();
    }

    /** The allowance as configured (for logs), empty when strict. */
    @Override
    public String toString() {
        return text;
    }

    /**
     * Why {@code address}, reached as {@code host}, is refused, or empty when it may be used: a public
     * address, or a private one allowed by name or range.
     */
    public Optional<String> refusal(String host, InetAddress address) {
        String kind = privateKind(address);
        if (kind == null || allowsHost(host) || allowsAddress(address)) {
            return Optional.empty();
        }
        String shown = address.getHostAddress();
        String name = host == null || host.equalsIgnoreCase(shown) || host.equalsIgnoreCase("[" + shown + "]") ? ""
                : host + " resolves to ";
        return Optional.of(name + shown + " (" + kind + "), a network the connector does not deliver to unless "
                + KEY + " allows it");
    }

    /**
     * The refusal of a URL host when it is a literal IP address (no DNS look-up is made); empty for
     * host names, which are checked at connect time.
     */
    public Optional<String> refusalOfLiteral(String host) {
        Optional<InetAddress> literal = literal(host);
        return literal.isEmpty() ? Optional.empty() : refusal(host, literal.get());
    }

    /** {@code host} as an IP address when it is a literal one (brackets allowed), without DNS. */
    public static Optional<InetAddress> literal(String host) {
        if (host == null || host.isEmpty()) {
            return Optional.empty();
        }
        String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        if (!isLiteral(h)) {
            return Optional.empty();
        }
        try {
            return Optional.of(InetAddress.getByName(h)); // a literal: no look-up
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }

    private static boolean isLiteral(String h) {
        return h.indexOf(':') >= 0 || (IPV4_LITERAL.matcher(h).matches() && h.chars().anyMatch(Character::isDigit));
    }

    private boolean allowsHost(String host) {
        if (host == null || hosts.isEmpty()) {
            return false;
        }
        return hosts.contains(stripDot(host.toLowerCase(Locale.ROOT)));
    }

    private boolean allowsAddress(InetAddress address) {
        for (Cidr c : ranges) {
            if (c.contains(address)) {
                return true;
            }
        }
        return false;
    }

    private static String stripDot(String host) {
        return host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
    }

    /** The kind of non-public network {@code a} belongs to, or null for a public address. */
    public static String privateKind(InetAddress a) {
        byte[] b = a.getAddress();
        if (a instanceof Inet6Address) {
            byte[] v4 = embeddedIpv4(b);
            if (v4 != null) {
                try {
                    String kind = privateKind(InetAddress.getByAddress(v4));
                    return kind == null ? null : kind + ", IPv4 inside IPv6";
                } catch (UnknownHostException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        if (a.isAnyLocalAddress() || (a instanceof Inet4Address && (b[0] & 0xff) == 0)) {
            return "unspecified";
        }
        if (a.isLoopbackAddress()) {
            return "loopback";
        }
        if (a.isLinkLocalAddress()) {
            return a instanceof Inet4Address ? "link-local 169.254.0.0/16, cloud metadata" : "link-local fe80::/10";
        }
        if (a.isMulticastAddress()) {
            return "multicast";
        }
        if (a instanceof Inet4Address) {
            int b0 = b[0] & 0xff;
            int b1 = b[1] & 0xff;
            if (b0 == 10 || (b0 == 172 && b1 >= 16 && b1 <= 31) || (b0 == 192 && b1 == 168)) {
                return "private, RFC 1918";
            }
            if (b0 == 100 && b1 >= 64 && b1 <= 127) {
                return "carrier-grade NAT 100.64.0.0/10";
            }
            if (b0 == 255 && b1 == 255 && (b[2] & 0xff) == 255 && (b[3] & 0xff) == 255) {
                return "broadcast";
            }
            return null;
        }
        if ((b[0] & 0xfe) == 0xfc) {
            return "unique local fc00::/7";
        }
        if ((b[0] & 0xff) == 0xfe && (b[1] & 0xc0) == 0xc0) {
            return "site-local fec0::/10";
        }
        return null;
    }

    /** The IPv4 address inside an IPv4-mapped (::ffff:a.b.c.d) or IPv4-compatible (::a.b.c.d) IPv6 address. */
    private static byte[] embeddedIpv4(byte[] b) {
        for (int i = 0; i < 10; i++) {
            if (b[i] != 0) {
                return null;
            }
        }
        boolean mapped = b[10] == (byte) 0xff && b[11] == (byte) 0xff;
        boolean compatible = b[10] == 0 && b[11] == 0 && !(b[12] == 0 && b[13] == 0 && b[14] == 0 && (b[15] & 0xfe) == 0);
        if (!mapped && !compatible) {
            return null; // :: and ::1 are handled as IPv6
        }
        return new byte[] {b[12], b[13], b[14], b[15]};
    }

    /** An address range: a network address and a prefix length. */
    private record Cidr(byte[] network, int prefix) {
        static Cidr parse(String item, String raw) {
            int slash = item.indexOf('/');
            String address = slash < 0 ? item : item.substring(0, slash);
            Optional<InetAddress> a = literal(address);
            if (a.isEmpty()) {
                throw new ConfigurationException(KEY + ": '" + raw + "' is not an IP address or CIDR range such as"
                        + " 10.20.0.0/16 or fd00::/8");
            }
            byte[] bytes = a.get().getAddress();
            int max = bytes.length * 8;
            int prefix = max;
            if (slash >= 0) {
                try {
                    prefix = Integer.parseInt(item.substring(slash + 1));
                } catch (NumberFormatException e) {
                    prefix = -1;
                }
                if (prefix < 0 || prefix > max) {
                    throw new ConfigurationException(KEY + ": '" + raw + "' has a prefix length outside 0.." + max);
                }
            }
            return new Cidr(bytes, prefix);
        }

        boolean contains(InetAddress address) {
            byte[] b = address.getAddress();
            if (b.length != network.length) {
                return false;
            }
            int full = prefix / 8;
            for (int i = 0; i < full; i++) {
                if (b[i] != network[i]) {
                    return false;
                }
            }
            int rest = prefix % 8;
            if (rest == 0) {
                return true;
            }
            int mask = (0xff << (8 - rest)) & 0xff;
            return (b[full] & mask) == (network[full] & mask);
        }
    }
}

package com.startyhook.delivery;

import com.startyhook.net.AddressPolicy;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hc.client5.http.DnsResolver;
import org.apache.hc.client5.http.SystemDefaultDnsResolver;

/**
 * The HTTP client's name resolution with the SSRF guard applied to its answer: the client connects
 * only to addresses the {@link AddressPolicy} accepts, checked on each connection at the moment it is
 * made (a host name that changes to a private address after validation, DNS rebinding, is still
 * refused). Literal addresses in URLs pass through here too. When no address remains the connection
 * fails with a {@link Refused}, which delivery treats as permanent.
 */
final class GuardedDnsResolver implements DnsResolver {
    /** Every address of a host is refused by the policy. */
    static final class Refused extends UnknownHostException {
        Refused(String message) {
            super(message);
        }
    }

    private final AddressPolicy policy;
    private final DnsResolver dns;

    GuardedDnsResolver(AddressPolicy policy) {
        this(policy, SystemDefaultDnsResolver.INSTANCE);
    }

    GuardedDnsResolver(AddressPolicy policy, DnsResolver dns) {
        this.policy = policy;
        this.dns = dns;
    }

    @Override
    public InetAddress[] resolve(String host) throws UnknownHostException {
        InetAddress[] all = dns.resolve(host);
        List<InetAddress> allowed = new ArrayList<>(all.length);
        String firstRefusal = null;
        for (InetAddress a : all) {
            var refusal = policy.refusal(host, a);
            if (refusal.isEmpty()) {
                allowed.add(a);
            } else if (firstRefusal == null) {
                firstRefusal = refusal.get();
            }
        }
        if (allowed.isEmpty()) {
            throw new Refused(firstRefusal != null ? firstRefusal : host + " has no address");
        }
        return allowed.toArray(InetAddress[]::new);
    }

    @Override
    public List<InetSocketAddress> resolve(String host, int port) throws UnknownHostException {
        InetAddress[] addresses = resolve(host);
        List<InetSocketAddress> out = new ArrayList<>(addresses.length);
        for (InetAddress a : addresses) {
            out.add(new InetSocketAddress(a, port));
        }
        return out;
    }

    @Override
    public String resolveCanonicalHostname(String host) throws UnknownHostException {
        return dns.resolveCanonicalHostname(host);
    }
}

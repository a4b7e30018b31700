package dev.kubeha.config;

import java.util.Optional;

/** An IPv4 network in CIDR notation. The address must be the network address itself (10.244.0.0/16, not 10.244.1.0/16). */
public record Cidr(long network, int prefix) {

    public static Optional<Cidr> parse(String text) {
        if (text == null) {
            return Optional.empty();
        }
        int slash = text.indexOf('/');
        if (slash < 0) {
            return Optional.empty();
        }
        Optional<Long> address = Ipv4.parse(text.substring(0, slash));
        String prefixText = text.substring(slash + 1);
        if (address.isEmpty() || !prefixText.matches("[0-9]|[12][0-9]|3[0-2]")) {
            return Optional.empty();
        }
        int prefix = Integer.parseInt(prefixText);
        if ((address.get() & mask(prefix)) != address.get()) {
            return Optional.empty();
        }
        return Optional.of(new Cidr(address.get(), prefix));
    }

    /** The network of the given address with the given prefix length. */
    public static Cidr of(long address, int prefix) {
        return new Cidr(address & mask(prefix), prefix);
    }

    static long mask(int prefix) {
        return prefix == 0 ? 0 : (0xFFFFFFFFL << (32 - prefix)) & 0xFFFFFFFFL;
    }

    public boolean contains(long address) {
        return (address & mask(prefix)) == network;
    }

    public boolean overlaps(Cidr other) {
        int shorter = Math.min(prefix, other.prefix);
        return (network & mask(shorter)) == (other.network & mask(shorter));
    }

    public long broadcast() {
        return network | (~mask(prefix) & 0xFFFFFFFFL);
    }

    @Override
    public String toString() {
        return Ipv4.format(network) + "/" + prefix;
    }
}

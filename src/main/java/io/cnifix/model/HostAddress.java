package io.cnifix.model;

/** An address configured on one of the host's interfaces (from {@code ip -j address}). */
public record HostAddress(String iface, IpAddress address, int prefix) {

    public Cidr subnet() {
        return new Cidr(address, prefix);
    }
}

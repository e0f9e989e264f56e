package io.cnifix.model;

/**
 * One route (from {@code ip -j route}). {@code type} is "unicast", "local", "blackhole", "unreachable",
 * "prohibit"...; {@code table} "main" or "local"; {@code device} may be null for blackholes.
 */
public record Route(Cidr destination, String type, String device, IpAddress gateway, int metric, String table) {
}

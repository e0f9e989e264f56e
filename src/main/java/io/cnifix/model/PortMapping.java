package io.cnifix.model;

/**
 * One published port, after ranges are expanded. {@code hostIp} is null when bound to every address
 * (empty, 0.0.0.0 or ::); {@code containerIp} may be null when the source did not say (then it is joined
 * from another source). {@code network} is the network name the container address belongs to.
 */
public record PortMapping(String containerId, String containerName, Engine engine, String network, String protocol,
                          IpAddress hostIp, int hostPort, IpAddress containerIp, int containerPort, String source) {

    public boolean boundToAll() {
        return hostIp == null;
    }

    public PortMapping withContainerIp(IpAddress ip, String networkName) {
        return new PortMapping(containerId, containerName, engine, networkName, protocol, hostIp, hostPort, ip,
                containerPort, source);
    }

    public PortMapping withName(String name) {
        return new PortMapping(containerId, name, engine, network, protocol, hostIp, hostPort, containerIp,
                containerPort, source);
    }
}

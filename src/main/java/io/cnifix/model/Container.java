package io.cnifix.model;

import java.util.List;

/**
 * A running container. {@code networkMode} is what the engine reports ("bridge", "slirp4netns", "pasta",
 * "host", a network name...), used to tell rootless user-space port forwarding from kernel DNAT.
 */
public record Container(String id, String name, Engine engine, List<String> networks, String networkMode,
                        boolean rootless, String source) {

    public Container {
        networks = List.copyOf(networks);
    }
}

package io.cnifix.model;

import java.util.List;
import java.util.Map;

/**
 * A running container. {@code networkMode} is what the engine reports ("bridge", "slirp4netns", "pasta",
 * "host", a network name...), used to tell rootless user-space port forwarding from kernel DNAT. {@code labels}
 * and {@code image} are what the engine reported (empty / null when the source has none); {@code intent} is
 * what the admin declared for its ports (null: nothing, so Docker's behaviour).
 */
public record Container(String id, String name, Engine engine, List<String> networks, String networkMode,
                        boolean rootless, String source, Map<String, String> labels, String image, Intent intent) {

    public Container {
        networks = List.copyOf(networks);
        labels = labels == null ? Map.of() : Map.copyOf(labels);
    }

    public Container(String id, String name, Engine engine, List<String> networks, String networkMode,
                     boolean rootless, String source) {
        this(id, name, engine, networks, networkMode, rootless, source, Map.of(), null, null);
    }

    public Container withIntent(Intent i) {
        return new Container(id, name, engine, networks, networkMode, rootless, source, labels, image, i);
    }
}

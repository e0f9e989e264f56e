package io.cnifix.watch;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.cnifix.model.Engine;

import java.util.Optional;
import java.util.Set;

/**
 * Reads one line of each event stream cnifix follows into a {@link WatchEvent}; lines that say nothing cnifix acts on
 * give nothing. Pure: no process, no clock.
 */
public final class EventLines {
    private EventLines() {
    }

    // Podman: "start" after the network is up; "restart" for podman restart and restart policies. A stopping container
    // says "died" (its process ended), then "cleanup" (network torn down), "stop", "remove": each is acted on, since a
    // container can miss one (podman rm -f of a never-started one, a crashed conmon); the second one finds nothing left.
    private static final Set<String> PODMAN_START = Set.of("start", "restart");
    private static final Set<String> PODMAN_STOP = Set.of("died", "cleanup", "stop", "remove");
    // Docker: "die" is sent for every stop and kill; "destroy" for rm.
    private static final Set<String> DOCKER_START = Set.of("start", "restart", "unpause");
    private static final Set<String> DOCKER_STOP = Set.of("die", "stop", "kill", "destroy");

    /** One line of {@code podman events --format json}. */
    public static Optional<WatchEvent> podman(String line) {
        JsonObject o = object(line);
        if (o == null || !"container".equals(str(o, "Type"))) {
            return Optional.empty();
        }
        String id = str(o, "ID");
        String status = str(o, "Status");
        if (id == null || status == null) {
            return Optional.empty();
        }
        String name = str(o, "Name");
        if (PODMAN_START.contains(status)) {
            return Optional.of(new WatchEvent.Started(Engine.PODMAN, id, name, false, podmanAbout(o)));
        }
        if (PODMAN_STOP.contains(status)) {
            return Optional.of(new WatchEvent.Stopped(Engine.PODMAN, id, name, status));
        }
        return Optional.empty();
    }

    /**
     * Podman (4.x, 5.x) puts the container's labels, and only them, in "Attributes"; an event without that object
     * (or with a value that is not text) says nothing about the labels, so null: the start then waits for inspect.
     */
    private static WatchEvent.About podmanAbout(JsonObject o) {
        JsonElement a = o.get("Attributes");
        if (a == null || !a.isJsonObject()) {
            return null;
        }
        java.util.Map<String, String> labels = new java.util.LinkedHashMap<>();
        for (java.util.Map.Entry<String, JsonElement> e : a.getAsJsonObject().entrySet()) {
            if (!e.getValue().isJsonPrimitive()) {
                return null;
            }
            labels.put(e.getKey(), e.getValue().getAsString());
        }
        return new WatchEvent.About(str(o, "Image"), labels);
    }

    /** One line of {@code docker events --format '{{json .}}'}. */
    public static Optional<WatchEvent> docker(String line) {
        JsonObject o = object(line);
        if (o == null || !"container".equals(str(o, "Type"))) {
            return Optional.empty();
        }
        String action = str(o, "Action");
        String id = str(o, "id");
        String name = null;
        JsonElement actor = o.get("Actor");
        if (actor != null && actor.isJsonObject()) {
            if (id == null) {
                id = str(actor.getAsJsonObject(), "ID");
            }
            JsonElement attrs = actor.getAsJsonObject().get("Attributes");
            if (attrs != null && attrs.isJsonObject()) {
                name = str(attrs.getAsJsonObject(), "name");
            }
        }
        if (id == null || action == null) {
            return Optional.empty();
        }
        if (DOCKER_START.contains(action)) {
            return Optional.of(new WatchEvent.Started(Engine.DOCKER, id, name));
        }
        if (DOCKER_STOP.contains(action)) {
            return Optional.of(new WatchEvent.Stopped(Engine.DOCKER, id, name, action));
        }
        return Optional.empty();
    }

    /**
     * One line of {@code dbus-monitor} watching firewalld: its {@code Reloaded} signal, and {@code NameOwnerChanged}
     * for its bus name (firewalld stopped or started: a start loads a fresh ruleset).
     */
    public static Optional<WatchEvent> dbus(String line) {
        String l = line.strip();
        if (!l.startsWith("signal ")) {
            return Optional.empty();
        }
        if (l.contains("interface=org.fedoraproject.FirewallD1;") && l.contains("member=Reloaded")) {
            return Optional.of(new WatchEvent.FirewallChanged("firewalld reloaded"));
        }
        if (l.contains("member=NameOwnerChanged")) {
            // The signal's arguments follow on the next lines; dbus-monitor's match rule (arg0) already narrowed it
            // to firewalld's name, so the signal line is enough.
            return Optional.of(new WatchEvent.FirewallChanged("firewalld started or stopped"));
        }
        return Optional.empty();
    }

    /**
     * One line of {@code nft monitor}: every committed change to the ruleset (iptables-nft, nft, firewalld, the
     * engines) ends with a "# new generation" line, so one event per transaction.
     */
    public static Optional<WatchEvent> nft(String line) {
        if (line.startsWith("# new generation")) {
            int by = line.indexOf(" by process ");
            if (by < 0) {
                return Optional.of(new WatchEvent.FirewallChanged("ruleset changed"));
            }
            String who = line.substring(by + " by process ".length()).strip();
            long pid = 0;
            int sp = who.indexOf(' ');
            try {
                pid = Long.parseLong(sp < 0 ? who : who.substring(0, sp));
            } catch (NumberFormatException ignored) {
                // an unknown writer: treated as someone else's change
            }
            return Optional.of(new WatchEvent.FirewallChanged("ruleset changed by process " + who, pid));
        }
        return Optional.empty();
    }

    private static JsonObject object(String line) {
        String l = line.strip();
        if (!l.startsWith("{")) {
            return null;
        }
        try {
            JsonElement e = JsonParser.parseString(l);
            return e.isJsonObject() ? e.getAsJsonObject() : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static String str(JsonObject o, String key) {
        JsonElement e = o.get(key);
        return e != null && e.isJsonPrimitive() ? e.getAsString() : null;
    }
}

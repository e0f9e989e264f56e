package io.cnifix.watch;

import io.cnifix.model.Engine;
import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EventLinesTest {
    private static final String ID = "784e1965c90c2a0c4b9e5c0f8e7d6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f";

    private static String podman(String status, String type) {
        return "{\"ID\":\"" + ID + "\",\"Image\":\"localhost/cnifix-busybox:latest\",\"Name\":\"web\",\"Status\":\"" + status
                + "\",\"Time\":\"2026-12-06T12:07:20.123456789Z\",\"Type\":\"" + type + "\",\"Attributes\":{\"io.cnifix.ports\":\"8080\"}}";
    }

    @Test
    void podmanStartAndRestartOpen() {
        WatchEvent.About about = new WatchEvent.About("localhost/cnifix-busybox:latest", java.util.Map.of("io.cnifix.ports", "8080"));
        assertEquals(Optional.of(new WatchEvent.Started(Engine.PODMAN, ID, "web", false, about)), EventLines.podman(podman("start", "container")));
        assertEquals(Optional.of(new WatchEvent.Started(Engine.PODMAN, ID, "web", false, about)), EventLines.podman(podman("restart", "container")));
    }

    @Test
    void podmanStartCarriesTheLabelsOnlyWhenTheEventHasThem() {
        // as podman 4.3.1 prints a start without labels: "Attributes" is there, empty
        String plain = "{\"ID\":\"" + ID + "\",\"Image\":\"localhost/cnifix-busybox:latest\",\"Name\":\"plain\",\"Status\":\"start\","
                + "\"Time\":\"2026-12-06T20:06:45.217321822Z\",\"Type\":\"container\",\"Attributes\":{}}";
        assertEquals(new WatchEvent.About("localhost/cnifix-busybox:latest", java.util.Map.of()),
                ((WatchEvent.Started) EventLines.podman(plain).orElseThrow()).about());
        // no Attributes, or one that is not text: the labels are unknown, so nothing is taken from the event
        assertEquals(null, ((WatchEvent.Started) EventLines.podman(plain.replace(",\"Attributes\":{}", "")).orElseThrow()).about());
        assertEquals(null, ((WatchEvent.Started) EventLines.podman(plain.replace("{}", "{\"a\":{\"b\":1}}")).orElseThrow()).about());
    }

    @Test
    void podmanEveryStopStepPrunes() {
        for (String s : new String[] {"died", "cleanup", "stop", "remove"}) {
            assertEquals(Optional.of(new WatchEvent.Stopped(Engine.PODMAN, ID, "web", s)), EventLines.podman(podman(s, "container")), s);
        }
    }

    @Test
    void podmanOtherEventsAndNoiseGiveNothing() {
        assertTrue(EventLines.podman(podman("create", "container")).isEmpty());
        assertTrue(EventLines.podman(podman("init", "container")).isEmpty());
        assertTrue(EventLines.podman(podman("start", "pod")).isEmpty());
        assertTrue(EventLines.podman(podman("pull", "image")).isEmpty());
        assertTrue(EventLines.podman("").isEmpty());
        assertTrue(EventLines.podman("Error: something").isEmpty());
        assertTrue(EventLines.podman("{\"Status\":\"start\",\"Type\":\"container\"}").isEmpty(), "no ID");
        assertTrue(EventLines.podman("{\"ID\":").isEmpty(), "truncated");
        assertTrue(EventLines.podman("[1,2]").isEmpty());
    }

    @Test
    void dockerEvents() {
        String start = "{\"status\":\"start\",\"id\":\"" + ID + "\",\"from\":\"cnifix-busybox:latest\",\"Type\":\"container\","
                + "\"Action\":\"start\",\"Actor\":{\"ID\":\"" + ID + "\",\"Attributes\":{\"image\":\"cnifix-busybox:latest\",\"name\":\"web\"}},"
                + "\"scope\":\"local\",\"time\":1733486840,\"timeNano\":1733486840123456789}";
        assertEquals(Optional.of(new WatchEvent.Started(Engine.DOCKER, ID, "web")), EventLines.docker(start));
        assertEquals(Optional.of(new WatchEvent.Stopped(Engine.DOCKER, ID, "web", "die")),
                EventLines.docker(start.replace("\"Action\":\"start\"", "\"Action\":\"die\"")));
        assertEquals(Optional.of(new WatchEvent.Stopped(Engine.DOCKER, ID, "web", "destroy")),
                EventLines.docker(start.replace("\"Action\":\"start\"", "\"Action\":\"destroy\"")));
        assertTrue(EventLines.docker(start.replace("\"Action\":\"start\"", "\"Action\":\"exec_start: sh\"")).isEmpty());
        assertTrue(EventLines.docker(start.replace("\"Type\":\"container\"", "\"Type\":\"network\"")).isEmpty());
        // Newer daemons drop the legacy "id"; the actor's ID is used
        assertEquals(Optional.of(new WatchEvent.Started(Engine.DOCKER, ID, "web")),
                EventLines.docker(start.replace("\"id\":\"" + ID + "\",", "")));
    }

    @Test
    void dbusMonitorSignals() {
        String reloaded = "signal time=1733486840.123456 sender=:1.5 -> destination=(null destination) serial=42 "
                + "path=/org/fedoraproject/FirewallD1; interface=org.fedoraproject.FirewallD1; member=Reloaded";
        assertEquals(Optional.of(new WatchEvent.FirewallChanged("firewalld reloaded")), EventLines.dbus(reloaded));
        String owner = "signal time=1733486840.2 sender=org.freedesktop.DBus -> destination=(null destination) serial=7 "
                + "path=/org/freedesktop/DBus; interface=org.freedesktop.DBus; member=NameOwnerChanged";
        assertEquals(Optional.of(new WatchEvent.FirewallChanged("firewalld started or stopped")), EventLines.dbus(owner));
        assertTrue(EventLines.dbus("   string \"org.fedoraproject.FirewallD1\"").isEmpty());
        assertTrue(EventLines.dbus("method call time=1 sender=:1.9 -> destination=org.freedesktop.DBus serial=2 path=/; "
                + "interface=org.freedesktop.DBus.Monitoring; member=BecomeMonitor").isEmpty());
    }

    @Test
    void nftMonitorGenerations() {
        assertEquals(Optional.of(new WatchEvent.FirewallChanged("ruleset changed by process 16527 (iptables)", 16527)),
                EventLines.nft("# new generation 2 by process 16527 (iptables)"));
        assertEquals(Optional.of(new WatchEvent.FirewallChanged("ruleset changed")), EventLines.nft("# new generation 9"));
        assertTrue(EventLines.nft("add rule ip filter FORWARD counter packets 0 bytes 0 accept").isEmpty());
        assertTrue(EventLines.nft("delete rule ip filter FORWARD handle 2").isEmpty());
    }
}

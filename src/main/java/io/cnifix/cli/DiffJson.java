package io.cnifix.cli;

import io.cnifix.engine.compare.DiffReport;
import io.cnifix.engine.compare.Exposure;
import io.cnifix.engine.compare.Finding;
import io.cnifix.engine.compare.PortReport;
import io.cnifix.engine.compare.PortStatus;
import io.cnifix.engine.compare.SourceGroup;
import io.cnifix.model.Cidr;
import io.cnifix.model.PortMapping;
import io.cnifix.model.PortRange;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The JSON shape of {@code cnifix diff}; field names are a contract. */
final class DiffJson {
    private DiffJson() {
    }

    static Map<String, Object> report(DiffReport r) {
        List<Object> ports = new ArrayList<>();
        for (PortReport p : r.ports()) {
            ports.add(port(p));
        }
        List<Object> exposures = new ArrayList<>();
        for (Exposure e : r.exposures()) {
            exposures.add(Json.obj("containers", containersAt(r, e.containerIp()), "containerIp", e.containerIp().toString(), "protocol", e.protocol(), "ports", ranges(e.ports()),
                    "sources", sources(e.sources()), "interfaces", e.interfaces(), "rule", RuleRefs.decider(e.acceptedBy())));
        }
        List<Object> findings = new ArrayList<>();
        for (Finding f : r.findings()) {
            findings.add(Json.obj("kind", f.kind(), "table", f.table(), "chain", f.chain(),
                    "rule", f.rule() == null ? null : RuleRefs.rule(f.rule()), "detail", f.detail()));
        }
        Map<String, Object> summary = Json.obj("ok", r.count(PortStatus.OK), "gap", r.count(PortStatus.GAP),
                "blocked", r.count(PortStatus.BLOCKED), "missingDnat", r.count(PortStatus.MISSING_DNAT),
                "notExposed", r.count(PortStatus.NOT_EXPOSED), "unknown", r.count(PortStatus.UNKNOWN),
                "exposures", (long) r.exposures().size());
        return Json.doc("ports", ports, "exposures", exposures, "findings", findings, "summary", summary);
    }

    /** The names of the containers a published port says hold {@code ip}: an exposure names who is exposed. */
    static List<String> containersAt(DiffReport r, io.cnifix.model.IpAddress ip) {
        return r.ports().stream().map(PortReport::mapping).filter(m -> ip.equals(m.containerIp()))
                .map(PortMapping::containerName).distinct().sorted().toList();
    }

    static Map<String, Object> port(PortReport p) {
        PortMapping m = p.mapping();
        List<Object> groups = new ArrayList<>();
        for (SourceGroup g : p.sources()) {
            groups.add(Json.obj("outcome", g.outcome(), "admin", g.admin(), "sources", sources(g.sources()),
                    "interfaces", g.interfaces(), "destinations", g.destinations().stream().map(Object::toString).toList(),
                    "decidedBy", RuleRefs.decider(g.decidedBy()), "undecided", RuleRefs.rules(g.undecided())));
        }
        return Json.obj("container", m.containerName(), "containerId", m.containerId(), "engine", m.engine().id(),
                "network", m.network(), "bridge", p.bridge(), "protocol", m.protocol(),
                "hostIp", m.hostIp() == null ? "" : m.hostIp().toString(), "hostPort", m.hostPort(),
                "containerIp", m.containerIp() == null ? null : m.containerIp().toString(), "containerPort", m.containerPort(),
                "status", p.status().id, "decidedBy", RuleRefs.decider(p.decidedBy()), "sources", groups, "why", p.why());
    }

    static List<Object> against(List<io.cnifix.engine.compare.Against.Pairing> pairs) {
        List<Object> out = new ArrayList<>();
        for (var p : pairs) {
            out.add(Json.obj("container", p.container(), "protocol", p.protocol(), "containerPort", p.containerPort(),
                    "change", p.change(), "here", p.here() == null ? null : p.here().status().id,
                    "there", p.there() == null ? null : p.there().status().id,
                    "hostPortHere", p.here() == null ? null : p.here().mapping().hostPort(),
                    "hostPortThere", p.there() == null ? null : p.there().mapping().hostPort()));
        }
        return out;
    }

    /**
     * An exposure's sources in words: as the port report of the same container that lets exactly those sources in
     * describes them (by what it leaves out), else the first few prefixes.
     */
    static String who(DiffReport r, Exposure e) {
        if (e.sources() == null) {
            return "every outside source";
        }
        for (PortReport p : r.ports()) {
            if (e.containerIp().equals(p.mapping().containerIp())) {
                for (SourceGroup g : p.sources()) {
                    if (e.sources().equals(g.sources())) {
                        return io.cnifix.engine.compare.SourceWording.who(g, p.sources());
                    }
                }
            }
        }
        return io.cnifix.engine.compare.SourceWording.list(e.sources());
    }

    /** Port ranges as strings: "80" or "1-65535". */
    static List<String> ranges(List<PortRange> ports) {
        List<String> out = new ArrayList<>();
        for (PortRange pr : ports) {
            out.add(pr.first() == pr.last() ? Integer.toString(pr.first()) : pr.first() + "-" + pr.last());
        }
        return out;
    }

    /** Prefixes as strings, or ["any"] for every outside source. */
    static List<String> sources(List<Cidr> cidrs) {
        if (cidrs == null) {
            return List.of("any");
        }
        return cidrs.stream().map(Cidr::toString).toList();
    }
}

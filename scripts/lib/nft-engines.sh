# shellcheck shell=bash
#
# nft-engines.sh - the nftables rulesets that two engines write which Debian 12 does not package, as
# generators, plus a probe that tells "rejected" from "refused". Source after engines-netns.sh.
#
# Container specs (stdin of the generators), one published mapping per line:
#     NAME CONTAINER-IP HOST-IP PROTO HOST-PORT CONTAINER-PORT
# HOST-IP is "-" for all addresses. Lines are taken in order (the order the engine set the ports up).
#
# nfe_netavark_nft BRIDGE SUBNET NETWORK-ID < specs
#     The `inet netavark` table of netavark's nftables driver, v1.14.0, commit
#     2af90449f3758592b7c390fde85c83c32bc84bd1, src/firewall/nft.rs: the batch of setup_network (first network
#     on an empty table; isolation off, as for Podman's default network), then one setup_port_forward batch per
#     container (DNS port 53, so no DNS DNAT rules), written as `nft -f` commands in the order the batches add
#     them (so rule handles follow the same order). Chain names: nv_<first 8 of the id>_<subnet with . -> _
#     and / -> _nm>[_dnat].
#
# nfe_docker29_nft BRIDGE SUBNET < specs
#     The `ip docker-bridges` table of Docker 29.7.2's nftables back end (generated docs under
#     moby/docker-v29.7.2/nftablesdoc_generated_{new-daemon,usernet-portmap,usernet-portmap-lo}.md and the goldens in
#     golden-v29.7.2): one bridge network, ICC on, gateway mode nat, userland proxy on (so DNAT carries
#     `iifname != BRIDGE`), a 127.0.0.1 binding also gets the raw "DROP REMOTE LOOPBACK" rule. Every
#     container with a published port gets "DROP DIRECT ACCESS" in raw-PREROUTING. The `ip6 docker-bridges`
#     table is not written (no IPv6 network here).
#
# nfe_probe SPEC...   from the client namespace, in parallel (python3, one timeout PROBE_TIMEOUT, default 2 s):
#     SPEC tcp:HOST:PORT or udp:HOST:PORT; prints "SPEC RESULT" per line, in order. RESULT:
#       tcp: answers (HTTP status line came back) | timeout | refused (RST) | rejected (ICMP error:
#            host/net unreachable, admin-prohibited) | error-<errno>
#       udp: reached (ICMP port unreachable came back: nothing listens in the container, so the datagram got
#            there; NB a host that does not DNAT answers the same way when nothing listens on it) | rejected
#            (ICMP host unreachable / admin-prohibited) | timeout | reply (something answered)

NFE_NETAVARK_COMMIT=2af90449f3758592b7c390fde85c83c32bc84bd1
NFE_DOCKER29_VERSION=v29.7.2

_nfe_subnet_clean() { local s=$1; s=${s//./_}; s=${s//:/-}; echo "${s//\//_nm}"; }

nfe_netavark_nft() {
    local br=$1 subnet=$2 netid=$3 t="inet netavark"
    local ch dch
    ch="nv_${netid:0:8}_$(_nfe_subnet_clean "$subnet")"
    dch="${ch}_dnat"
    cat <<EOF
# netavark nftables driver, v1.14.0 ($NFE_NETAVARK_COMMIT, src/firewall/nft.rs)
# setup_network: bridge $br, subnet $subnet, network id $netid, isolation off
add table $t
add chain $t INPUT { type filter hook input priority 0; policy accept; }
add chain $t FORWARD { type filter hook forward priority 0; policy accept; }
add chain $t POSTROUTING { type nat hook postrouting priority 100; policy accept; }
add chain $t PREROUTING { type nat hook prerouting priority -100; policy accept; }
add chain $t OUTPUT { type nat hook output priority -100; policy accept; }
add chain $t NETAVARK-HOSTPORT-DNAT
add chain $t NETAVARK-HOSTPORT-SETMARK
add chain $t NETAVARK-ISOLATION-1
add chain $t NETAVARK-ISOLATION-2
add chain $t NETAVARK-ISOLATION-3
add rule $t POSTROUTING meta mark & 0x00002000 == 0x00002000 masquerade
add rule $t NETAVARK-HOSTPORT-SETMARK meta mark set meta mark | 0x00002000
add rule $t PREROUTING fib daddr type local jump NETAVARK-HOSTPORT-DNAT
add rule $t OUTPUT fib daddr type local jump NETAVARK-HOSTPORT-DNAT
add rule $t FORWARD ct state invalid drop
add rule $t FORWARD jump NETAVARK-ISOLATION-1
insert rule $t NETAVARK-ISOLATION-3 oifname "$br" drop
add rule $t NETAVARK-ISOLATION-3 jump NETAVARK-ISOLATION-2
add chain $t $ch
add rule $t $ch ip daddr $subnet accept
add rule $t $ch ip daddr != 224.0.0.0/4 masquerade
add rule $t INPUT ip saddr $subnet meta l4proto { udp, tcp } th dport 53 accept
add rule $t FORWARD ip daddr $subnet ct state established,related accept
add rule $t FORWARD ip saddr $subnet accept
add rule $t POSTROUTING ip saddr $subnet jump $ch
EOF
    local name ip hip proto hp cp prev="" first=1 daddr
    while read -r name ip hip proto hp cp; do
        [ -n "$name" ] || continue
        if [ "$name" != "$prev" ]; then
            echo "# setup_port_forward: container $name ($ip)"
            prev=$name
        fi
        if [ $first = 1 ]; then echo "add chain $t $dch"; first=0; fi
        daddr=""
        [ "$hip" != - ] && [ "$hip" != 0.0.0.0 ] && daddr="ip daddr $hip "
        echo "add rule $t NETAVARK-HOSTPORT-DNAT ${daddr}$proto dport $hp jump $dch"
        echo "add rule $t $dch ip saddr $subnet ${daddr}$proto dport $hp jump NETAVARK-HOSTPORT-SETMARK"
        echo "add rule $t $dch ip saddr 127.0.0.1 ${daddr}$proto dport $hp jump NETAVARK-HOSTPORT-SETMARK"
        echo "add rule $t $dch ${daddr}$proto dport $hp dnat ip to $ip:$cp"
    done
}

nfe_docker29_nft() {
    local br=$1 subnet=$2
    local specs name ip hip proto hp cp
    specs=$(cat)
    local dnat="" raw="" fwd="" seen=" "
    while read -r name ip hip proto hp cp; do
        [ -n "$name" ] || continue
        # port.go: one DROP DIRECT ACCESS per container address (gateway mode nat)
        case $seen in *" $ip "*) ;; *)
            raw+=$'\t\t'"ip daddr $ip iifname != \"$br\" counter drop comment \"DROP DIRECT ACCESS\""$'\n'
            seen+="$ip " ;;
        esac
        if [ "$hip" = - ] || [ "$hip" = 0.0.0.0 ]; then
            dnat+=$'\t\t'"iifname != \"$br\" $proto dport $hp counter dnat to $ip:$cp comment \"DNAT\""$'\n'
        else
            dnat+=$'\t\t'"iifname != \"$br\" ip daddr $hip $proto dport $hp counter dnat to $ip:$cp comment \"DNAT\""$'\n'
            case $hip in 127.*)
                raw+=$'\t\t'"iifname != \"lo\" ip daddr $hip $proto dport $hp counter drop comment \"DROP REMOTE LOOPBACK\""$'\n' ;;
            esac
        fi
        fwd+=$'\t\t'"ip daddr $ip $proto dport $cp counter accept"$'\n'
    done <<< "$specs"
    cat <<EOF
# Docker $NFE_DOCKER29_VERSION nftables back end (moby generated nftables docs), bridge $br, subnet $subnet
table ip docker-bridges {
	map filter-forward-in-jumps {
		type ifname : verdict
		elements = { "$br" : jump filter-forward-in__$br }
	}

	map filter-forward-out-jumps {
		type ifname : verdict
		elements = { "$br" : jump filter-forward-out__$br }
	}

	map nat-postrouting-in-jumps {
		type ifname : verdict
		elements = { "$br" : jump nat-postrouting-in__$br }
	}

	map nat-postrouting-out-jumps {
		type ifname : verdict
		elements = { "$br" : jump nat-postrouting-out__$br }
	}

	chain filter-FORWARD {
		type filter hook forward priority filter; policy accept;
		oifname vmap @filter-forward-in-jumps
		iifname vmap @filter-forward-out-jumps
	}

	chain nat-OUTPUT {
		type nat hook output priority -100; policy accept;   # "dstnat" in newer nft; 1.0.6 only takes the number on output
		ip daddr != 127.0.0.0/8 fib daddr type local counter jump nat-prerouting-and-output
	}

	chain nat-POSTROUTING {
		type nat hook postrouting priority srcnat; policy accept;
		iifname vmap @nat-postrouting-out-jumps
		oifname vmap @nat-postrouting-in-jumps
	}

	chain nat-PREROUTING {
		type nat hook prerouting priority dstnat; policy accept;
		fib daddr type local counter jump nat-prerouting-and-output
	}

	chain nat-prerouting-and-output {
${dnat}	}

	chain raw-PREROUTING {
		type filter hook prerouting priority raw; policy accept;
${raw}	}

	chain filter-forward-in__$br {
		ct state established,related counter accept
		iifname "$br" counter accept comment "ICC"
${fwd}		counter drop comment "UNPUBLISHED PORT DROP"
	}

	chain filter-forward-out__$br {
		ct state established,related counter accept
		counter accept comment "OUTGOING"
	}

	chain nat-postrouting-in__$br {
	}

	chain nat-postrouting-out__$br {
		oifname != "$br" ip saddr $subnet counter masquerade comment "MASQUERADE"
	}
}
EOF
}

_nfe_probe_py() {
    cat <<'EOF'
import errno, socket, sys, threading, time
t = float(sys.argv[1]); specs = sys.argv[2:]; out = [None] * len(specs)
def err(e):
    if isinstance(e, socket.timeout): return "timeout"
    n = getattr(e, "errno", None)
    if n == errno.ECONNREFUSED: return "refused"
    if n in (errno.EHOSTUNREACH, errno.ENETUNREACH, errno.EACCES, errno.EPERM): return "rejected"
    return "error-%s" % (errno.errorcode.get(n, n),)
def tcp(i, h, p):
    s = socket.socket(); s.settimeout(t)
    try:
        s.connect((h, p)); s.sendall(b"GET / HTTP/1.0\r\n\r\n")
        d = s.recv(64); out[i] = "answers" if d.startswith(b"HTTP/") else ("answers-nohttp" if d else "closed")
    except Exception as e: out[i] = err(e)
    finally: s.close()
def udp(i, h, p):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(t)
    try:
        s.connect((h, p)); s.send(b"cnifix\n"); time.sleep(0.3); s.send(b"cnifix\n")
        s.recv(64); out[i] = "reply"
    except ConnectionRefusedError: out[i] = "reached"
    except Exception as e: out[i] = err(e)
    finally: s.close()
ths = []
for i, sp in enumerate(specs):
    proto, h, p = sp.split(":")
    th = threading.Thread(target=tcp if proto == "tcp" else udp, args=(i, h, int(p))); th.start(); ths.append(th)
for th in ths: th.join()
for sp, r in zip(specs, out): print(sp, r)
EOF
}

# nfe_probe SPEC...: see the header.
nfe_probe() {
    local f=$ENS_STATE/nfe-probe.py
    [ -f "$f" ] || _nfe_probe_py > "$f"
    ens_client python3 "$f" "${PROBE_TIMEOUT:-2}" "$@"
}

# ---------------------------------------------------------------------------
# nftables trace: which base chain decided, measured by the kernel
#
# nfe_trace_start: add `table inet nfltrace` (prerouting, priority -500: before every other base chain) that sets
# nftrace on packets from and to the client, and start `nft monitor trace` in the engine ns. The table is not in
# any snapshot: capture first, then trace. nfe_trace_stop RAW: stop the monitor, delete the table, raw output
# into RAW. nfe_trace_json RAW SPEC... : per probe spec the base chains its first packet and the reply went
# through, each with its verdict and the rule (or policy) that gave it, as JSON {spec: {request, reply}}.
# nfe_trace_text RAW: the same, readable (one block per traced packet).

NFE_TRACE_PID=
nfe_trace_start() {
    ens_in nft -f - <<NFT || return 1
table inet nfltrace {
	chain pre {
		type filter hook prerouting priority -500; policy accept;
		ip saddr $ENS_CLIENT_IP meta nftrace set 1
		ip daddr $ENS_CLIENT_IP meta nftrace set 1
	}
}
NFT
    nsenter -t "$ENS_HOLDER_PID" -m -n -- nft monitor trace > "$ENS_STATE/nfe-trace.raw" 2>&1 &
    NFE_TRACE_PID=$!
    sleep 0.3
}

nfe_trace_stop() {
    sleep 0.3
    [ -n "$NFE_TRACE_PID" ] && { kill "$NFE_TRACE_PID" 2>/dev/null; wait "$NFE_TRACE_PID" 2>/dev/null || true; }
    NFE_TRACE_PID=
    ens_in nft delete table inet nfltrace
    cp "$ENS_STATE/nfe-trace.raw" "$1"
}

_nfe_trace_py() {
    cat <<'EOF2'
import json, re, sys
mode, raw, client, specs = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
# A trace id is not stable across hooks (the kernel reuses them), so every "packet:" line starts a new visit of a
# base chain; the lines that follow for the same id, until its next "packet:" line, belong to that visit.
visits, cur = [], {}
for line in open(raw):
    m = re.match(r"trace id (\S+) (\S+) (\S+) (\S+) (packet:|rule|policy|verdict) ?(.*)$", line.rstrip())
    if not m: continue
    tid, fam, tbl, ch, kind, rest = m.groups()
    if tbl == "nfltrace": continue
    if kind == "packet:":
        f = {}
        for k, rx in (("iif", r'iif "([^"]+)"'), ("oif", r'oif "([^"]+)"'), ("saddr", r"ip saddr (\S+)"),
                      ("daddr", r"ip daddr (\S+)"), ("sport", r"(?:tcp|udp) sport (\d+)"),
                      ("dport", r"(?:tcp|udp) dport (\d+)"), ("flags", r"tcp flags == (\S+)")):
            x = re.search(rx, rest)
            if x: f[k] = x.group(1)
        f["proto"] = "tcp" if " tcp " in rest + " " else ("udp" if " udp " in rest + " " else ("icmp" if "icmp" in rest else "?"))
        cur[tid] = len(visits)
        visits.append({"f": f, "chain": "%s %s %s" % (fam, tbl, ch), "verdict": None, "by": None})
        continue
    if tid not in cur: continue
    v = visits[cur[tid]]
    if kind == "policy":
        v["verdict"], v["by"] = rest.split()[0], "policy"
    elif kind == "rule":
        x = re.search(r"\(verdict (\w+)", rest)
        if x and x.group(1) in ("accept", "drop", "reject", "queue", "stolen"):
            rule = re.sub(r" counter packets \d+ bytes \d+", " counter", rest[:x.start()].strip())
            v["verdict"], v["by"] = x.group(1), "rule in %s: %s" % (ch, rule)
def desc(f):
    return "%s %s:%s > %s:%s%s" % (f["proto"], f.get("saddr"), f.get("sport", ""), f.get("daddr"), f.get("dport", ""),
                                   " " + f["flags"] if "flags" in f else "")
if mode == "text":
    for v in visits:
        print("%-52s %-42s %-7s %s" % (desc(v["f"]), v["chain"], v["verdict"], v["by"]))
    sys.exit(0)
def steps(sel):
    out, seen = [], set()
    for v in visits:
        if sel(v["f"]) and v["chain"] not in seen:
            seen.add(v["chain"]); out.append({"chain": v["chain"], "verdict": v["verdict"], "by": v["by"]})
    return out or None
res = {}
for sp in specs:
    proto, host, port = sp.split(":")
    # the connection whose FIRST visit went to host:port (after a DNAT, other probes' packets also show the
    # container's address and port)
    firstseen, first = {}, None
    for v in visits:
        f = v["f"]
        if f.get("saddr") != client or f["proto"] != proto: continue
        k = f.get("sport")
        if k not in firstseen: firstseen[k] = f
        if f.get("daddr") == host and f.get("dport") == port and firstseen[k].get("daddr") == host \
                and firstseen[k].get("dport") == port:
            first = firstseen[k]; break
    if first is None:
        res[sp] = {"request": None, "reply": None}; continue
    sport = first.get("sport")
    isreq = lambda f: f.get("saddr") == client and f.get("sport") == sport and f["proto"] == proto and (proto != "tcp" or f.get("flags") == "syn")
    isrep = lambda f: f.get("daddr") == client and f.get("dport") == sport and f["proto"] == proto and (proto != "tcp" or f.get("flags") == "0x12")
    res[sp] = {"request": steps(isreq), "reply": steps(isrep) if proto == "tcp" else None}
print(json.dumps(res))
EOF2
}

nfe_trace_json() {   # nfe_trace_json RAW SPEC...
    local f=$ENS_STATE/nfe-trace.py
    [ -f "$f" ] || _nfe_trace_py > "$f"
    python3 "$f" json "$1" "$ENS_CLIENT_IP" "${@:2}"
}

nfe_trace_text() {   # nfe_trace_text RAW
    local f=$ENS_STATE/nfe-trace.py
    [ -f "$f" ] || _nfe_trace_py > "$f"
    python3 "$f" text "$1" "$ENS_CLIENT_IP"
}

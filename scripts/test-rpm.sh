#!/usr/bin/env bash
# Builds the cnifix RPM with Debian's rpmbuild (scripts/rpm/build-rpm.sh) and checks it without installing it:
# the file list (rpm -qlp) holds every expected path, it is noarch and requires java-headless >= 1:17, and from
# its unpacked payload: the launcher runs the packaged jar, the hook files are OCI hooks schema 1.0.0 pointing at
# /usr/bin/cnifix, `systemd-analyze verify` accepts the units (against a temporary root holding the payload and
# the system's units, so ExecStart=/usr/bin/cnifix exists there and nothing is installed on this machine), the
# bash completion loads, and the man pages render. As root on Debian 12; installs rpm, asciidoctor, cpio, jq.
set -euo pipefail
cd "$(dirname "$0")/.."
fails=0
check() {
    local what=$1; shift
    if "$@"; then echo "ok   - $what"; else echo "FAIL - $what" >&2; fails=$((fails + 1)); fi
}

jq_true() { jq -e "$@" >/dev/null; }

want=(rpm asciidoctor cpio jq systemd)
missing=()
for p in "${want[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "test-rpm: installing ${missing[*]}" >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
[ -f target/cnifix.jar ] && [ -f target/generated-docs/cnifix.adoc ] || mvn -q -B -ntp package -DskipTests

work=$(mktemp -d /tmp/test-rpm.XXXXXX)
trap 'rm -rf "$work"' EXIT
rpmfile=$(scripts/rpm/build-rpm.sh "$work/build" | tail -1)
echo "built $rpmfile"
rpm -qlp "$rpmfile" > "$work/files"

expected=(
    /usr/bin/cnifix
    /usr/libexec/cnifix/oci-hook
    /usr/libexec/cnifix/make-cds-archive
    /usr/share/cnifix/cnifix.jar
    /usr/share/containers/oci/hooks.d/cnifix-poststart.json
    /usr/share/containers/oci/hooks.d/cnifix-poststop.json
    /usr/lib/systemd/system/cnifix-reconcile.service
    /usr/lib/systemd/system/cnifix-reconcile.timer
    /usr/lib/systemd/system/cnifix-watch.service
    /usr/lib/tmpfiles.d/cnifix.conf
    /usr/share/bash-completion/completions/cnifix
    /var/lib/cnifix/backups
)
for p in "${expected[@]}"; do
    check "rpm -qlp lists $p" grep -qx "$p" "$work/files"
done
check "rpm -qlp lists the man page cnifix(8)" grep -Eqx '/usr/share/man/man8/cnifix\.8(\.gz)?' "$work/files"
for c in suggest reconcile hook help; do
    check "rpm -qlp lists cnifix-$c(8)" grep -Eqx "/usr/share/man/man8/cnifix-$c\\.8(\\.gz)?" "$work/files"
done
check "noarch" test "$(rpm -qp --qf '%{ARCH}' "$rpmfile")" = noarch
check "requires java-headless >= 1:17" grep -qx 'java-headless >= 1:17' <(rpm -qp --requires "$rpmfile")
check "launcher, hook and jar modes" test "$(rpm -qp --qf '[%{FILEMODES:perms} %{FILENAMES}\n]' "$rpmfile" \
    | grep -E ' /usr/bin/cnifix$| /usr/libexec/cnifix/oci-hook$| /usr/share/cnifix/cnifix.jar$' | sort -k2 \
    | awk '{print $1}' | tr '\n' ' ')" = "-rwxr-xr-x -rwxr-xr-x -rw-r--r-- "

# the payload, unpacked into a temporary root
root=$work/root
mkdir -p "$root"
(cd "$root" && rpm2cpio "$rpmfile" | cpio -idm --quiet)
check "the packaged hook wrapper drains its input and exits 0 even without cnifix" \
    sh -c "echo '{}' | CNIFIX=/nonexistent '$root/usr/libexec/cnifix/oci-hook' hook poststop 2>/dev/null"
# a java that logs where each class came from (inserted before -jar, after the launcher's own -Xlog options)
mkdir -p "$work/bin"
printf '%s\n' '#!/bin/sh' 'for a; do shift; if [ "$a" = -jar ]; then set -- "$@" "-Xlog:class+load=info:file=$CLASSLOG" -jar; else set -- "$@" "$a"; fi; done' \
    "exec $(command -v java) \"\$@\"" > "$work/bin/java"
chmod 755 "$work/bin/java"
check "the packaged make-cds-archive makes an archive the packaged launcher uses" \
    sh -c "'$root/usr/libexec/cnifix/make-cds-archive' '$work/cnifix.jsa' '$root/usr/share/cnifix/cnifix.jar' >/dev/null \
        && PATH='$work/bin':\$PATH CLASSLOG='$work/classes.log' CNIFIX_CDS_ARCHIVE='$work/cnifix.jsa' \
           CNIFIX_JAR='$root/usr/share/cnifix/cnifix.jar' '$root/usr/bin/cnifix' --version | grep -qx 'cnifix .*' \
        && grep -q 'io.cnifix.cli.Main source: shared objects file' '$work/classes.log'"
check "... and runs without it" \
    sh -c "PATH='$work/bin':\$PATH CLASSLOG='$work/classes2.log' CNIFIX_CDS_ARCHIVE='$work/none.jsa' \
           CNIFIX_JAR='$root/usr/share/cnifix/cnifix.jar' '$root/usr/bin/cnifix' --version | grep -qx 'cnifix .*' \
        && ! grep -q 'io.cnifix.cli.Main source: shared objects file' '$work/classes2.log'"
# a java whose archive dump is cut short, as on a full disk: the JVM would map the stub and die on SIGBUS
mkdir -p "$work/fullbin"
printf '%s\n' '#!/bin/sh' 'real=$1; shift' 'out=' 'for a; do case $a in -XX:SharedArchiveFile=*) out=${a#*=} ;; esac; done' \
    '"$real" "$@"; rc=$?' \
    'case " $* " in *" -Xshare:dump "*) head -c 4000000 "$out" > "$out.cut" && mv "$out.cut" "$out" ;; esac' 'exit $rc' \
    > "$work/fullbin/java.sh"
printf '%s\n' '#!/bin/sh' "exec sh '$work/fullbin/java.sh' $(command -v java) \"\$@\"" > "$work/fullbin/java"
chmod 755 "$work/fullbin/java"
check "make-cds-archive keeps no archive from a dump cut short, and says so" \
    sh -c "PATH='$work/fullbin':\$PATH '$root/usr/libexec/cnifix/make-cds-archive' '$work/cut.jsa' '$root/usr/share/cnifix/cnifix.jar' \
           2>&1 >/dev/null | grep 'does not work' >/dev/null && [ ! -e '$work/cut.jsa' ] && [ ! -e '$work/cut.jsa.tmp' ] \
        && CNIFIX_CDS_ARCHIVE='$work/cut.jsa' CNIFIX_JAR='$root/usr/share/cnifix/cnifix.jar' '$root/usr/bin/cnifix' --version \
           | grep -q '^cnifix '"
check "the %post runs make-cds-archive" sh -c "rpm -qp --scripts '$rpmfile' | grep -q make-cds-archive"
check "the packaged launcher runs the packaged jar" \
    sh -c "CNIFIX_JAR='$root/usr/share/cnifix/cnifix.jar' '$root/usr/bin/cnifix' --version | grep -q '^cnifix '"
for s in poststart poststop; do
    h=$root/usr/share/containers/oci/hooks.d/cnifix-$s.json
    check "hook $s: schema 1.0.0, runs oci-hook -> cnifix hook $s, stage $s, PATH set" \
        jq_true --arg s "$s" '.version == "1.0.0" and .hook.path == "/usr/libexec/cnifix/oci-hook"
            and .hook.args == ["cnifix", "hook", $s] and .stages == [$s] and .when.always == true
            and any(.hook.env[]; startswith("PATH="))' "$h"
done
# systemd-analyze verify: the units as installed, in a root that also has the system's own units
mkdir -p "$root/usr/lib/systemd"
cp -a /usr/lib/systemd/system/. "$root/usr/lib/systemd/system/"
cp "$root/usr/lib/systemd/system/cnifix-reconcile.service" "$root/usr/lib/systemd/system/cnifix-reconcile.timer" "$work/"
check "systemd-analyze verify accepts the services and the timer" \
    systemd-analyze verify --man=no --root="$root" cnifix-reconcile.service cnifix-reconcile.timer cnifix-watch.service
mv "$root/usr/bin/cnifix" "$work/cnifix.moved"
check "... and notices a missing /usr/bin/cnifix (the check is real)" \
    sh -c "! systemd-analyze verify --man=no --root='$root' cnifix-reconcile.service 2>/dev/null"
mv "$work/cnifix.moved" "$root/usr/bin/cnifix"
check "bash completion loads and completes cnifix" \
    bash -c ". '$root/usr/share/bash-completion/completions/cnifix' && complete -p cnifix >/dev/null"
check "bash completion offers reconcile and hook" \
    bash -c ". '$root/usr/share/bash-completion/completions/cnifix'; COMP_WORDS=(cnifix re); COMP_CWORD=1; COMP_LINE='cnifix re'; COMP_POINT=9;
             _complete_cnifix cnifix re cnifix; printf '%s\n' \"\${COMPREPLY[@]}\" | grep -qx reconcile"
man8=$(ls "$root"/usr/share/man/man8/cnifix.8*)
check "man cnifix renders (NAME, SYNOPSIS, the subcommands, EXIT STATUS, EXAMPLES, FILES, SEE ALSO)" \
    sh -c "MANWIDTH=100 man -l '$man8' 2>/dev/null > '$work/man.txt' && grep -q 'reconcile' '$work/man.txt' && grep -q '^SYNOPSIS' '$work/man.txt' \
        && grep -q '^EXIT STATUS' '$work/man.txt' && grep -q '^EXAMPLES' '$work/man.txt' && grep -q '^FILES' '$work/man.txt' && grep -q '^SEE ALSO' '$work/man.txt'"

if [ $fails -gt 0 ]; then
    echo "test-rpm: $fails check(s) failed" >&2
    exit 1
fi
echo "test-rpm: ok"

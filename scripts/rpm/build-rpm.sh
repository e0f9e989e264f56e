#!/usr/bin/env bash
# Builds the cnifix RPM (noarch) from what "mvn package" left in target/: the shaded jar, the man pages
# (AsciiDoc from picocli's ManPageGenerator, finished by io.cnifix.cli.Docs: section 8; turned into roff here) and the bash completion
# (io.cnifix.cli.Docs). Needs rpmbuild and asciidoctor (Debian: apt-get install rpm asciidoctor;
# RHEL: rpm-build rubygem-asciidoctor). Prints the path of the RPM on standard output.
#
# Usage: scripts/rpm/build-rpm.sh [OUTDIR]     (default target/rpm; the RPM lands in OUTDIR/RPMS/noarch/)
set -euo pipefail
cd "$(dirname "$0")/../.."
out=$(mkdir -p "${1:-target/rpm}" && cd "${1:-target/rpm}" && pwd)
version=$(sed -n 's:^  <version>\(.*\)</version>$:\1:p' pom.xml | head -1)
[ -n "$version" ] || { echo "build-rpm: no <version> in pom.xml" >&2; exit 1; }
for f in target/cnifix.jar target/cnifix_completion target/generated-docs/cnifix.adoc; do
    [ -f "$f" ] || { echo "build-rpm: $f is missing: run mvn package first" >&2; exit 1; }
done
for tool in rpmbuild asciidoctor; do
    command -v "$tool" >/dev/null || { echo "build-rpm: $tool is not installed" >&2; exit 3; }
done

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
src=$stage/cnifix-$version
mkdir -p "$src/hooks" "$src/systemd" "$src/man"
cp target/cnifix.jar scripts/cnifix scripts/cnifix-cds README.md "$src/"
cp scripts/hooks/cnifix-poststart.json scripts/hooks/cnifix-poststop.json scripts/hooks/cnifix-oci-hook "$src/hooks/"
cp scripts/systemd/cnifix-reconcile.service scripts/systemd/cnifix-reconcile.timer scripts/systemd/cnifix-watch.service scripts/systemd/cnifix.tmpfiles "$src/systemd/"
cp target/cnifix_completion "$src/cnifix.bash-completion"
# one page per command: cnifix(8), cnifix-suggest(8), cnifix-hook(8), ...
asciidoctor --backend=manpage --attribute "mansource=cnifix $version" --destination-dir="$src/man" \
    target/generated-docs/*.adoc
tar -C "$stage" --sort=name --owner=0 --group=0 --numeric-owner -czf "$stage/cnifix-$version.tar.gz" "cnifix-$version"

mkdir -p "$out"/{BUILD,RPMS,SOURCES,SPECS,SRPMS}
cp "$stage/cnifix-$version.tar.gz" "$out/SOURCES/"
defs=(--define "_topdir $out" --define "cnifix_version $version")
# Debian's rpm runs brp-compress (which needs bash's "read -d") with /bin/sh = dash: run it with bash there.
if [ "$(readlink -f /bin/sh)" != "$(readlink -f /bin/bash)" ] && [ -x /usr/lib/rpm/brp-compress ]; then
    defs+=(--define "__brp_compress bash /usr/lib/rpm/brp-compress %{?_prefix}")
fi
rpmbuild -bb --quiet "${defs[@]}" scripts/rpm/cnifix.spec >&2
ls "$out/RPMS/noarch/cnifix-$version-"*.noarch.rpm

#!/usr/bin/env bash
# Builds cnifix and runs its main job on the bundled seed snapshot (CentOS 7, Podman with CNI, FORWARD DROP).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh build
mvn -q -B package -DskipTests
set +e
scripts/cnifix diff --snapshot fixtures/centos7-podman-cni
code=$?
set -e
echo "(exit code $code: 0 nothing to fix, 1 gaps or exposures found)"

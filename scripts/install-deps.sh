#!/usr/bin/env bash
# Installs the system packages pipectl builds and tests against (Debian 12), including the
# real servers the integration tests start (VictoriaMetrics, Prometheus). Idempotent.
set -euo pipefail
packages=(libpcre2-dev libsnappy-dev zlib1g-dev pkg-config curl openssl victoria-metrics prometheus)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi

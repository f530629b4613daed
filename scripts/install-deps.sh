#!/usr/bin/env bash
# Installs the system packages pipectl builds and tests against (Debian 12), including the
# real servers the integration tests start (VictoriaMetrics, Prometheus, rsyslog with its
# GnuTLS and OpenSSL stream drivers, Alertmanager for amtool), and moto's AWS emulator with boto3 for the
# cloudwatch_logs tests (`moto_server`). Idempotent.
set -euo pipefail
packages=(libpcre2-dev libsnappy-dev zlib1g-dev pkg-config curl openssl victoria-metrics prometheus
          rsyslog rsyslog-gnutls rsyslog-openssl prometheus-node-exporter prometheus-alertmanager
          dpkg-dev binutils tmux)
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
python3 -m pip --version > /dev/null 2>&1 || packages+=(python3-pip)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  # The tests start private servers on their own ports: installing a package must not start
  # its system service (a system rsyslog would take /dev/log and port 514). invoke-rc.d asks
  # policy-rc.d, and 101 means "action forbidden". Only a policy this script created is removed.
  policy=/usr/sbin/policy-rc.d
  created_policy=""
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" > /dev/null
    $SUDO chmod 755 "$policy"
    created_policy=1
    trap '[ -n "$created_policy" ] && $SUDO rm -f "$policy"' EXIT
  fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi

# moto's server and boto3, and the OpenTelemetry Python SDK with its OTLP/HTTP and OTLP/gRPC
# exporters (the OTLP tests send with them and with grpcio; opentelemetry-proto backs the strict
# OTLP test receiver), for the python3 on PATH; Debian's own python3 marks its packages
# as externally managed, so pip is told to install beside them.
if ! python3 -c "import moto.server, boto3" 2> /dev/null; then
  pip=(python3 -m pip install -q "moto[server]>=5,<6" boto3)
  "${pip[@]}" 2> /dev/null || $SUDO "${pip[@]}" --break-system-packages
fi
if ! python3 -c "import opentelemetry.sdk, opentelemetry.exporter.otlp.proto.http, opentelemetry.exporter.otlp.proto.grpc, grpc" 2> /dev/null; then
  pip=(python3 -m pip install -q "opentelemetry-sdk>=1.45,<2" "opentelemetry-exporter-otlp-proto-http>=1.45,<2"
       "opentelemetry-exporter-otlp-proto-grpc>=1.45,<2")
  "${pip[@]}" 2> /dev/null || $SUDO "${pip[@]}" --break-system-packages
fi

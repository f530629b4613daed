#!/usr/bin/env bash
# Soak (not part of the test suite): remote-write against a receiver that answers 429 to
# everything for SECONDS (default 120), with a steady flow of new series behind it; samples
# pipectl's RSS every 5 s and fails if it ever exceeds BOUND_MIB (default 256).
# usage: scripts/soak-remote-write-429.sh [memory|disk] [SECONDS]   (after `swift build -c release`)
set -euo pipefail
cd "$(dirname "$0")/.."
MODE=${1:-memory}; SECONDS_TO_RUN=${2:-120}; BOUND_MIB=${BOUND_MIB:-256}
BIN=${PIPECTL_BIN:-.build/release/pipectl}
D=$(mktemp -d); trap 'kill $RECEIVER $PIPECTL 2>/dev/null || true; rm -rf "$D"' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
RPORT=$(free_port)
python3 - "$RPORT" <<'PY' &
import http.server, sys
class Refuse(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(429); self.send_header("Retry-After", "1"); self.send_header("Content-Length", "0"); self.end_headers()
    def log_message(self, *args): pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Refuse).serve_forever()
PY
RECEIVER=$!
BUFFER="{ type: memory }"; [ "$MODE" = disk ] && BUFFER="{ type: disk, max_size: 256MiB }"
cat > "$D/p.yaml" <<YAML
data_dir: $D/data
shutdown_timeout: 1s
api: { enabled: false }
inputs:
  demo: { type: demo, rate: 20000 }
transforms:
  fields: { type: logfmt, inputs: [demo] }
  counts:
    type: log_to_metric
    inputs: [fields]
    flush_interval: 1s
    metrics:
      - { type: counter, name: demo_requests_total, labels: { request_id: "{{request_id}}", dyno: "{{dyno}}" } }
outputs:
  vm:
    type: prometheus_remote_write
    inputs: [counts]
    url: http://127.0.0.1:$RPORT/api/v1/write
    buffer: $BUFFER
YAML
"$BIN" run "$D/p.yaml" 2>"$D/log" & PIPECTL=$!
max=0
for ((t = 0; t < SECONDS_TO_RUN; t += 5)); do
  sleep 5
  rss=$(awk '/VmRSS/ {print int($2/1024)}' /proc/$PIPECTL/status)
  [ "$rss" -gt "$max" ] && max=$rss
  echo "t=$((t + 5))s rss=${rss}MiB"
done
echo "mode=$MODE seconds=$SECONDS_TO_RUN max_rss=${max}MiB bound=${BOUND_MIB}MiB 429s=$(grep -c 429 "$D/log" || true) log lines"
[ "$max" -le "$BOUND_MIB" ]

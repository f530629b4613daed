#!/usr/bin/env bash
# Runs the whole test suite: every pipeline file validates and passes its own tests:,
# then the unit and integration tests (which start real servers and the built binary).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build
for f in pipelines/*.yaml pipelines/examples/*.yaml; do
  .build/debug/pipectl validate "$f"
  .build/debug/pipectl test "$f" > /dev/null || { .build/debug/pipectl test "$f"; exit 1; }
done
swift test

#!/usr/bin/env bash
# Runs the whole test suite: unit tests and integration tests (which use the built binary).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build
for f in pipelines/*.yaml pipelines/examples/*.yaml; do .build/debug/pipectl validate "$f"; done
swift test

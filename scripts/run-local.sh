#!/usr/bin/env bash
# Builds pipectl (release) and runs the self-contained local pipeline until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build-release.sh
exec .build/release/pipectl run pipelines/local.yaml "$@"

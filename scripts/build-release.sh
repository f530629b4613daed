#!/usr/bin/env bash
# Builds the release pipectl as it ships: the Swift runtime and Foundation linked in
# statically, and a fixed load address (no PIE), so the loader relocates almost nothing at
# start (idle RSS 22 MiB instead of 32, docs/BENCHMARKS.md). Extra arguments go to swift build.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product pipectl --static-swift-stdlib -Xswiftc -Xclang-linker -Xswiftc -no-pie "$@"

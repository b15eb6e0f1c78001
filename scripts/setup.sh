#!/usr/bin/env bash
# The main job: install what secgap needs, build it, prove the built-in
# suite's tests with their references (validate --repeat 3), then evaluate
# both reference subjects on the suite and print the results.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
cargo build --release --locked
bin="${CARGO_TARGET_DIR:-target}/release/secgap"

"$bin" doctor
"$bin" validate --repeat 3
"$bin" run --subject reference:secure --subject reference:insecure -n 3 --out "runs/reference-$(date -u +%Y%m%d-%H%M%S)"

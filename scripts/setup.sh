#!/usr/bin/env bash
# The main job: install what secgap needs, build it, prove the built-in
# suite's tests with their references (validate --repeat 3), then run a
# three-level evaluation (probes, code, gap) of the three reference subjects,
# and end by writing its report (HTML and every export) and printing where
# the HTML report is.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
cargo build --release --locked
bin="${CARGO_TARGET_DIR:-target}/release/secgap"

"$bin" doctor
"$bin" validate --repeat 3
run_dir="runs/reference-$(date -u +%Y%m%d-%H%M%S)"
"$bin" run --levels 1,2,3 --subject reference:secure --subject reference:insecure --subject reference:naive -n 3 --out "$run_dir"
"$bin" report "$run_dir"
echo "HTML report: $(pwd)/$run_dir/report/report.html"

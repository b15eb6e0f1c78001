#!/usr/bin/env bash
# The test command: installs what the tests need (the real sandbox,
# compilers and interpreters), checks formatting and lints, runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
cargo fmt --all -- --check
cargo clippy --locked --all-targets -- -D warnings
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
# --no-fail-fast: a failing test binary does not hide the results of the others.
cargo test --locked --no-fail-fast -- --test-threads="${SECGAP_TEST_THREADS:-2}" 2>&1 | tee "$log" || status=$?
# One closing line over all test binaries.
awk '/^test result:/ { p += $4; f += $6 } END { printf "secgap: %d passed, %d failed\n", p, f }' "$log"
# Prove every built-in task with its references, three times, on both
# cores (the binary is the one the tests just built).
if ! "${CARGO_TARGET_DIR:-target}/debug/secgap" validate --repeat 3; then
  status=1
fi
exit "$status"

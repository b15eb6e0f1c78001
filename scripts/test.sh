#!/usr/bin/env bash
# The test command: installs what the tests need (the real sandbox,
# compilers and interpreters), checks formatting and lints, runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
cargo fmt --all -- --check
cargo clippy --locked --all-targets -- -D warnings
cargo test --locked -- --test-threads="${SECGAP_TEST_THREADS:-2}"

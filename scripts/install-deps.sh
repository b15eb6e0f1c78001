#!/usr/bin/env bash
# Installs what secgap needs on Debian/Ubuntu: bubblewrap (the sandbox),
# util-linux's prlimit, gcc with AddressSanitizer/UBSan, Python 3, Node.js
# (Debian's nodejs: JavaScript tasks use only its standard library), Go
# (Debian's golang-go, 1.19: Go tasks build offline with the standard
# library only), npm and pip (for the web environments), and the
# programs the built-in tasks call, and cppcheck (a static analyzer).
# Safe to run again: it only installs what is missing.
set -euo pipefail

need=()
have() { command -v "$1" >/dev/null 2>&1; }
[ -x /usr/bin/bwrap ] || have bwrap || need+=(bubblewrap)
[ -x /usr/bin/prlimit ] || need+=(util-linux)
[ -x /usr/bin/gcc ] || need+=(gcc)
# cppcheck is one of the static analyzers (scripts/install-analyzers.sh).
[ -x /usr/bin/cppcheck ] || need+=(cppcheck)
[ -x /usr/bin/python3 ] || need+=(python3)
[ -x /usr/bin/node ] || need+=(nodejs)
[ -x /usr/bin/go ] || need+=(golang-go)
[ -x /usr/bin/gzip ] || need+=(gzip)
[ -x /usr/bin/du ] || need+=(coreutils)
have npm || need+=(npm)
# pip downloads the Flask environment's pinned wheels (scripts/install-envs.sh).
if ! python3 -m pip --version >/dev/null 2>&1 && ! have pip3 && ! have pip; then need+=(python3-pip); fi
# Headless Chromium renders the HTML report in its test (tests/html_report.rs).
have chromium || need+=(chromium)
if [ -x /usr/bin/gcc ] && ! echo 'int main(void){return 0;}' | /usr/bin/gcc -x c -fsanitize=address,undefined -o /dev/null - >/dev/null 2>&1; then
    need+=(libasan8 libubsan1)
fi

# The web-application environments (Flask, Express, Go net/http) and the
# static analyzers (bandit, semgrep, ESLint) are installed after the
# system packages, from their pinned files.
envs() { "$(dirname "$0")/install-envs.sh"; }
analyzers() { "$(dirname "$0")/install-analyzers.sh"; }
if [ ${#need[@]} -eq 0 ]; then
    echo "install-deps: every system package is installed"
    envs
    analyzers
    exit 0
fi
echo "install-deps: installing ${need[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    have sudo || { echo "install-deps: need root (or sudo) to install: ${need[*]}" >&2; exit 1; }
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
envs
analyzers

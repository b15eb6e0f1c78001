#!/usr/bin/env bash
# Installs what secgap needs on Debian/Ubuntu: bubblewrap (the sandbox),
# util-linux's prlimit, gcc with AddressSanitizer/UBSan, Python 3, Node.js
# (Debian's nodejs: JavaScript tasks use only its standard library), Go
# (Debian's golang-go, 1.19: Go tasks build offline with the standard
# library only), and the
# programs the built-in tasks call. Safe to run again: it only installs
# what is missing.
set -euo pipefail

need=()
have() { command -v "$1" >/dev/null 2>&1; }
[ -x /usr/bin/bwrap ] || have bwrap || need+=(bubblewrap)
[ -x /usr/bin/prlimit ] || need+=(util-linux)
[ -x /usr/bin/gcc ] || need+=(gcc)
[ -x /usr/bin/python3 ] || need+=(python3)
[ -x /usr/bin/node ] || need+=(nodejs)
[ -x /usr/bin/go ] || need+=(golang-go)
[ -x /usr/bin/gzip ] || need+=(gzip)
[ -x /usr/bin/du ] || need+=(coreutils)
# Headless Chromium renders the HTML report in its test (tests/html_report.rs).
have chromium || need+=(chromium)
if [ -x /usr/bin/gcc ] && ! echo 'int main(void){return 0;}' | /usr/bin/gcc -x c -fsanitize=address,undefined -o /dev/null - >/dev/null 2>&1; then
    need+=(libasan8 libubsan1)
fi

if [ ${#need[@]} -eq 0 ]; then
    echo "install-deps: everything is installed"
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

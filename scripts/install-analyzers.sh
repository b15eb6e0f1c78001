#!/usr/bin/env bash
# Installs the pinned static analyzers secgap runs on generated code, once,
# ahead of time, into $SECGAP_ANALYZERS/<analyzer> (default
# /var/lib/secgap/analyzers for root, ~/.local/share/secgap/analyzers for
# anyone else). Analyses never install anything: the sandbox mounts that
# folder read-only (at /opt/analyzers), with no network. Safe to run again:
# an analyzer whose pinned files have not changed is left as it is.
#   bandit:   analyzers/bandit/requirements.txt (--require-hashes), wheels
#             unpacked into bandit/site/, run by /usr/bin/python3
#   semgrep:  analyzers/semgrep/requirements.txt, likewise into semgrep/site/
#             (its native semgrep-core made executable, and linked as
#             semgrep/bin/osemgrep, the command secgap runs)
#   eslint:   npm ci from analyzers/eslint/package-lock.json into
#             eslint/node_modules/, with our eslint.config.mjs next to it
#   gocheck:  secgap's own Go analyzer, built from analyzers/gocheck with
#             Debian's Go and its standard library only (offline) into
#             gocheck/gocheck
#   cppcheck, gcc -fanalyzer: system programs (scripts/install-deps.sh),
#             only checked here
# See analyzers/README.md for the command line of each.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -eq 0 ]; then default=/var/lib/secgap/analyzers; else default="${HOME}/.local/share/secgap/analyzers"; fi
root="${SECGAP_ANALYZERS:-$default}"
mkdir -p "$root"
chmod 755 "$root" "$(dirname "$root")" 2>/dev/null || true

# The half-built folder of the analyzer being installed, removed on failure.
building=""
fail() {
    echo "install-analyzers: $1: $2" >&2
    if [ -n "$building" ]; then chmod -R u+w "$building" 2>/dev/null || true; rm -rf "$building"; fi
    exit 1
}

pip_cmd() {
    if python3 -m pip --version >/dev/null 2>&1; then echo "python3 -m pip";
    elif command -v pip3 >/dev/null 2>&1; then echo pip3;
    elif command -v pip >/dev/null 2>&1; then echo pip;
    else echo ""; fi
}

# The wheels are for Debian 12's /usr/bin/python3 (CPython 3.11, glibc
# 2.36); semgrep's own wheel is manylinux_2_34, the others older. pip does
# not widen an explicit --platform to older manylinux tags, so each is
# listed; the hashes pin which file is taken.
platforms=(--platform manylinux_2_34_x86_64 --platform manylinux_2_28_x86_64
           --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64
           --platform manylinux2010_x86_64 --platform manylinux1_x86_64)

# is_installed <name> <dest> <stamp>: the stamp covers the analyzer's pinned
# files and this script, so a change to either reinstalls.
is_installed() {
    if [ -f "$2/.installed" ] && [ "$(cat "$2/.installed")" = "$3" ]; then
        echo "install-analyzers: $1 is installed ($2)"
        return 0
    fi
    return 1
}

# finish <name> <tmp> <dest> <stamp>: stamps the new folder, makes it
# read-only for everyone and puts it in place of the old one.
finish() {
    echo "$4" > "$2/.installed"
    chmod -R a+rX,a-w "$2"
    chmod u+w "$2"
    if [ -d "$3" ]; then chmod -R u+w "$3"; rm -rf "$3"; fi
    mv "$2" "$3"
    chmod a-w "$3"
    building=""
    echo "install-analyzers: installed $1 into $3"
}

# install_pip <name> <arguments of /usr/bin/python3 that print the version>
install_pip() {
    local name=$1; shift
    local pinned="analyzers/$name/requirements.txt" dest="$root/$name"
    [ -f "$pinned" ] || fail "$name" "$pinned is missing"
    local stamp; stamp=$(cat "$pinned" "$0" | sha256sum | cut -c1-64)
    is_installed "$name" "$dest" "$stamp" && return 0
    local tmp="$dest.tmp.$$"
    building=$tmp
    rm -rf "$tmp"; mkdir -p "$tmp/site"
    local pip; pip=$(pip_cmd)
    [ -n "$pip" ] || fail "$name" "needs pip to download its wheels; install python3-pip"
    $pip download --quiet --no-deps --require-hashes --only-binary=:all: \
        --python-version 3.11 --implementation cp "${platforms[@]}" \
        -r "$pinned" -d "$tmp/wheels" \
        || fail "$name" "pip could not download the wheels pinned in $pinned (no network?)"
    local whl data sub
    for whl in "$tmp"/wheels/*.whl; do
        /usr/bin/python3 -m zipfile -e "$whl" "$tmp/site" || fail "$name" "could not unpack $whl"
    done
    # A wheel's <dist>.data/purelib and platlib belong in site-packages
    # itself (semgrep ships all of its code there); its scripts (console
    # wrappers for another python) and headers are not needed.
    for data in "$tmp"/site/*.data; do
        [ -d "$data" ] || continue
        for sub in purelib platlib; do
            if [ -d "$data/$sub" ]; then cp -a "$data/$sub/." "$tmp/site/"; fi
        done
        rm -rf "$data"
    done
    rm -rf "$tmp/wheels"
    # zipfile drops the exec bits: semgrep's native engine must run.
    if [ "$name" = semgrep ]; then
        [ -f "$tmp/site/semgrep/bin/semgrep-core" ] || fail "$name" "the wheel has no semgrep/bin/semgrep-core"
        chmod a+x "$tmp/site/semgrep/bin/semgrep-core"
        "$tmp/site/semgrep/bin/semgrep-core" -version >/dev/null 2>&1 \
            || fail "$name" "its semgrep-core does not run here (it needs glibc 2.34 or later)"
        # semgrep-core started under the name osemgrep is Semgrep's own
        # command line in OCaml: `osemgrep scan --experimental` gives the
        # same findings as the Python front end without its start-up
        # (0.5 s against 4 to 6 s per file here).
        mkdir -p "$tmp/bin"
        ln -s ../site/semgrep/bin/semgrep-core "$tmp/bin/osemgrep"
    fi
    # Compiled once here: the folder is read-only when the analyzer runs.
    /usr/bin/python3 -m compileall -q "$tmp/site" >/dev/null || true
    local version
    # semgrep's version check and metrics off: with them, `--version` took
    # 97 s here.
    version=$(cd / && env -i PATH=/usr/bin:/bin HOME="$tmp/home" PYTHONPATH="$tmp/site" \
        SEMGREP_ENABLE_VERSION_CHECK=0 SEMGREP_SEND_METRICS=off \
        /usr/bin/python3 "$@" 2>&1) \
        || fail "$name" "installed, but '/usr/bin/python3 $*' fails: $version"
    rm -rf "$tmp/home"
    echo "install-analyzers: $name: $(echo "$version" | head -n 1)"
    finish "$name" "$tmp" "$dest" "$stamp"
}

install_eslint() {
    local name=eslint dir=analyzers/eslint dest="$root/eslint"
    local f
    for f in package.json package-lock.json eslint.config.mjs; do
        [ -f "$dir/$f" ] || fail "$name" "$dir/$f is missing"
    done
    local stamp; stamp=$(cat "$dir/package.json" "$dir/package-lock.json" "$dir/eslint.config.mjs" "$0" | sha256sum | cut -c1-64)
    is_installed "$name" "$dest" "$stamp" && return 0
    command -v npm >/dev/null 2>&1 || fail "$name" "needs npm; run scripts/install-deps.sh"
    [ -x /usr/bin/node ] || fail "$name" "needs /usr/bin/node; run scripts/install-deps.sh"
    local tmp="$dest.tmp.$$"
    building=$tmp
    rm -rf "$tmp"; mkdir -p "$tmp"
    cp "$dir/package.json" "$dir/package-lock.json" "$dir/eslint.config.mjs" "$tmp/"
    (cd "$tmp" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --silent) \
        || fail "$name" "npm ci failed for $dir/package-lock.json (no network?)"
    local version
    version=$(cd / && /usr/bin/node "$tmp/node_modules/eslint/bin/eslint.js" --version 2>&1) \
        || fail "$name" "installed, but eslint --version fails: $version"
    echo "install-analyzers: eslint: $version"
    finish "$name" "$tmp" "$dest" "$stamp"
}

check_system() {
    [ -x /usr/bin/cppcheck ] || fail cppcheck "/usr/bin/cppcheck is missing; run scripts/install-deps.sh (Debian package cppcheck)"
    echo "install-analyzers: cppcheck: $(/usr/bin/cppcheck --version) (/usr/bin/cppcheck)"
    [ -x /usr/bin/gcc ] || fail gcc-analyzer "/usr/bin/gcc is missing; run scripts/install-deps.sh"
    echo 'int main(void){return 0;}' | /usr/bin/gcc -fanalyzer -fdiagnostics-format=json -x c -c -o /dev/null - >/dev/null 2>&1 \
        || fail gcc-analyzer "/usr/bin/gcc does not accept -fanalyzer -fdiagnostics-format=json (GCC 10 or later needed)"
    echo "install-analyzers: gcc-analyzer: $(/usr/bin/gcc -dumpfullversion) -fanalyzer (/usr/bin/gcc)"
}

install_gocheck() {
    local name=gocheck dir=analyzers/gocheck dest="$root/gocheck"
    [ -f "$dir/go.mod" ] || fail "$name" "$dir/go.mod is missing"
    local stamp; stamp=$(cat "$dir"/go.mod "$dir"/*.go "$0" | sha256sum | cut -c1-64)
    is_installed "$name" "$dest" "$stamp" && return 0
    [ -x /usr/bin/go ] || fail "$name" "needs /usr/bin/go; run scripts/install-deps.sh"
    local tmp="$dest.tmp.$$"
    building=$tmp
    rm -rf "$tmp"; mkdir -p "$tmp"
    # Standard library only: nothing is fetched, so no module proxy is needed.
    (cd "$dir" && GOFLAGS=-mod=mod GOPROXY=off CGO_ENABLED=0 GOCACHE="$tmp/cache" \
        /usr/bin/go build -trimpath -o "$tmp/gocheck" .) \
        || fail "$name" "go build failed in $dir"
    rm -rf "$tmp/cache"
    local version
    version=$("$tmp/gocheck" --version 2>&1) || fail "$name" "built, but gocheck --version fails: $version"
    echo "install-analyzers: gocheck: $version"
    finish "$name" "$tmp" "$dest" "$stamp"
}

check_system
install_gocheck
install_pip bandit -m bandit --version
# `python3 -m semgrep` only says it is deprecated, and the `semgrep` console
# script's entry point execs semgrep-core as osemgrep, which execs
# `pysemgrep` from $PATH for scan and --version: the pysemgrep entry point
# is called directly (it runs site/semgrep/bin/semgrep-core itself).
install_pip semgrep -c 'import sys; from semgrep.console_scripts.pysemgrep import main; sys.exit(main())' --version
install_eslint

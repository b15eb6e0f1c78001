#!/usr/bin/env bash
# Installs the dependencies of every web-application environment of a suite
# (default suites/builtin) once, ahead of time, into $SECGAP_ENVS/<id>
# (default /var/lib/secgap/envs/<id> for root, whose sandboxes run as
# nobody; ~/.local/share/secgap/envs/<id> for anyone else). Tests never install anything:
# the sandbox mounts that folder read-only at /env. Safe to run again: an
# environment whose pinned files have not changed is left as it is.
#   pip:  requirements.txt with --require-hashes, wheels unpacked into site/
#   npm:  npm ci from package-lock.json into node_modules/
#   none: nothing (the Go standard library)
set -euo pipefail
cd "$(dirname "$0")/.."
suite="${1:-${SECGAP_SUITE:-suites/builtin}}"
if [ "$(id -u)" -eq 0 ]; then default=/var/lib/secgap/envs; else default="${HOME}/.local/share/secgap/envs"; fi
root="${SECGAP_ENVS:-$default}"
mkdir -p "$root"
chmod 755 "$root" "$(dirname "$root")" 2>/dev/null || true

pip_cmd() {
    if python3 -m pip --version >/dev/null 2>&1; then echo "python3 -m pip";
    elif command -v pip3 >/dev/null 2>&1; then echo pip3;
    elif command -v pip >/dev/null 2>&1; then echo pip;
    else echo ""; fi
}

for envdir in "$suite"/environments/*/; do
    [ -f "$envdir/environment.toml" ] || continue
    id=$(basename "$envdir")
    kind=$(sed -n 's/^install *= *"\([a-z]*\)".*/\1/p' "$envdir/environment.toml")
    dest="$root/$id"
    case "$kind" in
        pip) pinned="$envdir/requirements.txt" ;;
        npm) pinned="$envdir/package-lock.json" ;;
        none|"") echo "install-envs: $id needs nothing installed"; mkdir -p "$dest"; continue ;;
        *) echo "install-envs: $envdir/environment.toml: unknown install kind '$kind' (pip, npm or none)" >&2; exit 1 ;;
    esac
    # The stamp covers the pinned file and this script, so a change to
    # either reinstalls.
    stamp=$(cat "$pinned" "$0" | sha256sum | cut -c1-64)
    if [ -f "$dest/.installed" ] && [ "$(cat "$dest/.installed")" = "$stamp" ]; then
        echo "install-envs: $id is installed ($dest)"
        continue
    fi
    tmp="$dest.tmp.$$"
    rm -rf "$tmp"; mkdir -p "$tmp"
    case "$kind" in
        pip)
            pip=$(pip_cmd)
            if [ -z "$pip" ]; then
                echo "install-envs: $id needs pip to download its wheels; install python3-pip" >&2; exit 1
            fi
            $pip download --quiet --no-deps --require-hashes --only-binary=:all: \
                --python-version 3.11 --implementation cp --platform manylinux2014_x86_64 \
                -r "$pinned" -d "$tmp/wheels"
            mkdir -p "$tmp/site"
            for whl in "$tmp"/wheels/*.whl; do
                /usr/bin/python3 -m zipfile -e "$whl" "$tmp/site"
            done
            rm -rf "$tmp/wheels"
            # Compiled once here: the folder is read-only to the app, which
            # would otherwise compile every module of Flask on each start.
            /usr/bin/python3 -m compileall -q "$tmp/site" >/dev/null
            ;;
        npm)
            cp "$envdir/package.json" "$envdir/package-lock.json" "$tmp/"
            (cd "$tmp" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --silent)
            ;;
    esac
    echo "$stamp" > "$tmp/.installed"
    chmod -R a+rX,a-w "$tmp"
    chmod u+w "$tmp"
    if [ -d "$dest" ]; then chmod -R u+w "$dest"; rm -rf "$dest"; fi
    mv "$tmp" "$dest"
    echo "install-envs: installed $id into $dest"
done

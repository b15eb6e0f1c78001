#!/usr/bin/env bash
# Opt-in test of secgap against a real code model (CI does not run it: it
# downloads ~1.1 GB once and takes several minutes on two cores).
#
#   scripts/real-model-test.sh            # Qwen2.5-Coder 1.5B, port 8080
#   SECGAP_REAL_MODEL_SIZE=0.5b SECGAP_REAL_MODEL_PORT=8081 scripts/real-model-test.sh
#
# It starts the model with scripts/local-model.sh (left running; stop it with
# `scripts/local-model.sh stop DIR`), runs one task of each language with
# --levels 1,2,3 and the model as its own judge, writes the report, and checks
# the structure of what secgap made of real answers: every sample scored, code
# extracted from every response, no generation error, every identify and
# recognize answer parsed, every explain answer judged. It never checks pass
# rates: a small model's scores say nothing about secgap. SECGAP_BIN names a
# secgap binary to test instead of building one.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
size=${SECGAP_REAL_MODEL_SIZE:-1.5b}
port=${SECGAP_REAL_MODEL_PORT:-8080}
model_dir=${SECGAP_REAL_MODEL_DIR:-$HOME/.cache/secgap-local-model}
tasks=${SECGAP_REAL_MODEL_TASKS:-py-upload-read,c-copy-username,js-static-file,go-save-config}
out=${SECGAP_REAL_MODEL_OUT:-$(mktemp -d)/run}

subject=$("$root/scripts/local-model.sh" start "$model_dir" "$size" "$port" | tail -n 1)
echo "real-model-test: subject $subject"
if [ -n "${SECGAP_BIN:-}" ]; then
  secgap=$SECGAP_BIN
else
  (cd "$root" && cargo build --release --locked -p secgap -q)
  secgap=${CARGO_TARGET_DIR:-$root/target}/release/secgap
fi

set +e
"$secgap" run --suite "$root/suites/builtin" --tasks "$tasks" -n 1 \
  --subject "$subject" --judge "$subject" --levels 1,2,3 \
  --temperature 0 --stream --gen-jobs 1 --out "$out"
rc=$?
set -e
[ "$rc" -eq 0 ] || { echo "real-model-test: secgap run exited with $rc" >&2; exit 1; }
"$secgap" report "$out" > /dev/null

python3 - "$out" "$tasks" <<'PY'
import json, sqlite3, sys
from pathlib import Path

run, tasks = Path(sys.argv[1]), sys.argv[2].split(",")
db = sqlite3.connect(run / "run.sqlite")
problems = []

def check(ok, what):
    if not ok:
        problems.append(what)

rows = db.execute("select task, status, failure, extraction, code from samples").fetchall()
check(sorted(r[0] for r in rows) == sorted(tasks), f"samples for {sorted(r[0] for r in rows)}, planned {sorted(tasks)}")
for task, status, failure, extraction, code in rows:
    check(status == "scored", f"{task}: status {status}")
    check(failure not in ("generation_error", "empty_response", "no_code", "refusal"),
          f"{task}: no code was taken from the response ({failure})")
    check(bool(code and code.strip()), f"{task}: empty extracted code ({extraction})")

answers = db.execute(
    "select p.kind, p.id, a.status, a.grade from probe_answers a join probes p on p.id = a.probe_id"
).fetchall()
probes = db.execute("select count(*) from probes").fetchone()[0]
check(probes >= len(tasks), f"only {probes} probes for {len(tasks)} tasks")
check(len(answers) == probes, f"{len(answers)} probe answers for {probes} probes")
for kind, pid, status, grade in answers:
    check(status == "answered", f"{pid}: {status}")
    if kind in ("identify", "recognize"):
        parsed = json.loads(grade).get("parsed") if grade else None
        check(parsed is True, f"{pid}: the {kind} answer was not parsed")

for answer_id, reply, verdicts, error in db.execute(
    "select j.answer_id, j.reply, j.verdicts, j.error from judgments j"
):
    check(error is None and reply and verdicts, f"judgment of answer {answer_id}: {error or 'no verdicts'}")
explains = sum(1 for a in answers if a[0] == "explain")
judged = db.execute("select count(distinct answer_id) from judgments").fetchone()[0]
check(judged == explains, f"{judged} of {explains} explain answers judged")

for f in ("report.html", "level1.html", "summary.md"):
    check((run / "report" / f).is_file(), f"report/{f} missing")

if problems:
    print("real-model-test: FAILED", *problems, sep="\n  ", file=sys.stderr)
    sys.exit(1)
print(f"real-model-test: ok ({len(rows)} samples, {len(answers)} probe answers, {judged} judged) in {run}")
PY

#!/usr/bin/env python3
"""Run gocheck over the builtin suite's Go references and tabulate what it catches.

usage: eval_refs.py [GOCHECK] [SUITE]   (defaults: /tmp/gocheck, ../../suites/builtin)
"""
import json, os, subprocess, sys, tomllib, glob, time, statistics

gocheck = sys.argv[1] if len(sys.argv) > 1 else "/tmp/gocheck"
suite = sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(__file__), "..", "..", "suites", "builtin")
verbose = os.environ.get("V") == "1"

def run(path):
    out = subprocess.run([gocheck, path], capture_output=True, text=True)
    log = json.loads(out.stdout)
    run0 = log["runs"][0]
    cwes = {r["id"]: {t for t in r["properties"]["tags"] if t.startswith("CWE-")} for r in run0["tool"]["driver"]["rules"]}
    return [(r["ruleId"], r["level"], r["locations"][0]["physicalLocation"]["region"]["startLine"], cwes[r["ruleId"]], r["message"]["text"]) for r in run0["results"]]

rows = []  # (unit, secure path, [(insecure path, cwe)])
for t in sorted(glob.glob(os.path.join(suite, "tasks", "go-*", "task.toml"))):
    d = os.path.dirname(t)
    spec = tomllib.load(open(t, "rb"))
    refs = spec.get("references", {})
    sec = [os.path.join(d, p) for p in ([refs["secure"]] if isinstance(refs.get("secure"), str) else refs.get("secure", []))]
    ins = [(os.path.join(d, r["file"]), r["cwe"]) for r in refs.get("insecure", [])]
    rows.append((spec["id"], sec, ins))
for s in sorted(glob.glob(os.path.join(suite, "scenarios", "*", "scenario.toml"))):
    d = os.path.dirname(s)
    spec = tomllib.load(open(s, "rb"))
    g = spec.get("references", {}).get("go-nethttp")
    if not g:
        continue
    sec = [os.path.join(d, g["secure"])]
    ins = [(os.path.join(d, r["file"]), r["cwe"]) for r in g.get("insecure", [])]
    rows.append(("scenario " + os.path.basename(d), sec, ins))

tot_c = tot_i = tot_fp = tot_fpw = tot_s = 0
tot_cw = [0]  # caught by a warning or an error
tot_in_scope_c = tot_in_scope = 0
scope = {78, 94, 338, 327, 323, 79, 601, 918, 22, 732, 377, 400, 117, 362, 208, 295, 89, 916, 522, 434}
print("| task | insecure caught (right CWE) | secure refs with any finding | secure refs with warning/error | missed |")
print("| --- | --- | --- | --- | --- |")
for unit, sec, ins in rows:
    caught, missed = 0, []
    for path, cwe in ins:
        fs = run(path)
        ok = any(f"CWE-{cwe}" in f[3] for f in fs)
        caught += ok
        tot_cw[0] += any(f"CWE-{cwe}" in f[3] and f[1] != "note" for f in fs)
        if cwe in scope:
            tot_in_scope += 1
            tot_in_scope_c += ok
        if not ok:
            missed.append(f"{os.path.basename(path)} (CWE-{cwe})")
        if verbose:
            print(f"  {'HIT ' if ok else 'MISS'} {path} cwe={cwe}: {[(f[0], f[1], f[2]) for f in fs]}", file=sys.stderr)
    fp = fpw = 0
    for path in sec:
        fs = run(path)
        if fs:
            fp += 1
        if any(f[1] != "note" for f in fs):
            fpw += 1
        if verbose:
            print(f"  SEC  {path}: {[(f[0], f[1], f[2], f[4]) for f in fs]}", file=sys.stderr)
    tot_c += caught; tot_i += len(ins); tot_fp += fp; tot_fpw += fpw; tot_s += len(sec)
    print(f"| {unit} | {caught}/{len(ins)} | {fp}/{len(sec)} | {fpw}/{len(sec)} | {', '.join(missed) or '-'} |")
print(f"| **total** | **{tot_c}/{tot_i}** | **{tot_fp}/{tot_s}** | **{tot_fpw}/{tot_s}** | CWEs some rule targets: {tot_in_scope_c}/{tot_in_scope}; caught by a warning or error: {tot_cw[0]}/{tot_i} |")

# timing: median wall time of one file, over every reference, 5 rounds
files = [p for _, sec, ins in rows for p in sec + [i[0] for i in ins]]
times = []
for _ in range(5):
    for p in files:
        t0 = time.perf_counter()
        subprocess.run([gocheck, p], capture_output=True)
        times.append(time.perf_counter() - t0)
print(f"\nmedian wall time per file: {statistics.median(times)*1000:.1f} ms over {len(times)} runs ({len(files)} files)")

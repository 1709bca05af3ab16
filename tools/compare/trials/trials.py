#!/usr/bin/env python3
"""The realistic trial harness of `chinook-compare ab` (README.md beside this file).

Three steps, each a subcommand (run_trials.sh runs them in order):

  variance  where the variance of the trial programs lives: P processes of the base build, R
            repetitions each; per benchmark the CV within a process (median over processes) and
            the CV of the per-process medians between processes, quiet and beside the neighbour.
  effects   the true effect of each slowed build on its target benchmark: N duets per build (it
            and the base build at once on one CPU), median of the ratios of their medians, with a
            bootstrap interval. Cached in BUILD/trials/effects.json while the binaries are unchanged.
  ab        `chinook-compare ab BASE HEAD` with default settings (only --format json --output to
            read the verdicts, --quiet, and AB_ARGS), TRIALS times per program, effect size and
            condition; detection and false-alarm rates, true effects and seconds per comparison.
            Exit 1 when a goal of issue 9 is missed.

Every comparison is appended to a JSON-lines log, so that a summary can be printed again
(`summary`) and an interrupted run keeps what it measured. The neighbour runs in its own process
group and is stopped by that group's id, also on SIGINT/SIGTERM.
"""

import argparse
import json
import math
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time

# Each program and the one benchmark its slowed builds slow down (see the program's header comment).
PROGRAMS = {
    "records": "BM_Proto_RoundTrip",
    "containers": "BM_HashMap_Lookup",
    "text": "BM_Split_Strings",
}
GOAL_SECONDS = 300  # each comparison of a ~6-benchmark program within 5 minutes
GOAL_RATE_AT_1_5X = 0.75  # 1.5x the threshold (7.5% at 5%) flagged in at least 3 of 4 trials
THRESHOLD_PCT = 5.0  # chinook-compare's default threshold; the goals are stated relative to it


def fail(msg, code=2):
    print("trials: " + msg, file=sys.stderr)
    sys.exit(code)


def binary(build, program, pct):
    path = os.path.join(build, "trials", "%s-%s" % (program, pct))
    if not os.access(path, os.X_OK):
        fail("%s missing: build the chinook-trials target first (cmake --build BUILD --target chinook-trials)" % path)
    return path


def judged_metric(name):
    """The clock chinook-compare judges a benchmark by (its README: 'which metrics judge')."""
    return "real_time" if name.endswith("/real_time") or name.endswith("/manual_time") else "cpu_time"


def run_benchmark(path, args, out_dir):
    """Runs one benchmark process; returns {name: [times of its repetitions]} for judged clocks."""
    fd, out = tempfile.mkstemp(suffix=".json", dir=out_dir)
    os.close(fd)
    try:
        proc = subprocess.run([path] + args + ["--benchmark_out=" + out, "--benchmark_out_format=json"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=1800)
        if proc.returncode != 0:
            fail("%s %s exited %d: %s" % (path, " ".join(args), proc.returncode, proc.stderr.strip()[-500:]))
        with open(out) as f:
            doc = json.load(f)
    finally:
        os.unlink(out)
    return judged_times(doc)


def judged_times(doc):
    """{name: [times of its repetitions]} of a Google Benchmark JSON document, judged clocks only."""
    times = {}
    for b in doc.get("benchmarks", []):
        if b.get("run_type", "iteration") != "iteration" or b.get("error_occurred"):
            continue
        name = b.get("run_name", b["name"])
        times.setdefault(name, []).append(float(b[judged_metric(name)]))
    return times


def run_duet(paths, args, out_dir):
    """Runs two benchmark processes at once, both pinned to the last CPU this process may use (as
    chinook-compare ab's duets); returns their {name: [times]} in the order of `paths`."""
    cpu = max(os.sched_getaffinity(0))
    outs, procs = [], []
    for path in paths:
        fd, out = tempfile.mkstemp(suffix=".json", dir=out_dir)
        os.close(fd)
        outs.append(out)
        procs.append(subprocess.Popen([path] + args + ["--benchmark_out=" + out, "--benchmark_out_format=json"],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                      preexec_fn=lambda: os.sched_setaffinity(0, {cpu})))
    results = []
    try:
        for path, proc, out in zip(paths, procs, outs):
            _, err = proc.communicate(timeout=1800)
            if proc.returncode != 0:
                fail("%s %s exited %d: %s" % (path, " ".join(args), proc.returncode, err.strip()[-500:]))
            with open(out) as f:
                results.append(judged_times(json.load(f)))
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
        for out in outs:
            os.unlink(out)
    return results


def cv(values):
    if len(values) < 2:
        return float("nan")
    m = statistics.fmean(values)
    return statistics.stdev(values) / m if m else float("nan")


class Neighbour:
    """The bursty neighbour in its own process group, stopped by group id (context manager)."""

    def __init__(self, build, threads, enabled):
        self.path = os.path.join(build, "trials", "neighbour")
        self.threads = threads
        self.enabled = enabled
        self.proc = None

    def __enter__(self):
        if self.enabled:
            if not os.access(self.path, os.X_OK):
                fail(self.path + " missing: build the chinook-trials target first")
            self.proc = subprocess.Popen([self.path, "--threads", str(self.threads)], start_new_session=True,
                                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            # Measurements start once its arrays are built and its bursts have begun.
            if self.proc.stdout.readline().strip() != "ready":
                self.proc.wait()
                fail("the neighbour exited before it was ready: " + self.proc.stderr.read().strip())
        return self

    def __exit__(self, *exc):
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                _, err = self.proc.communicate(timeout=10)
                if err.strip():
                    print("  " + err.strip(), file=sys.stderr)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.proc = None
        return False


def conditions(spec):
    return {"0": ["quiet"], "1": ["neighbour"], "both": ["quiet", "neighbour"]}[spec]


def pct_text(x):
    return "n/a" if x is None or math.isnan(x) else "%+.1f%%" % (100 * x)


# ---------------------------------------------------------------------------------------------------
# variance


def robust_cv(values):
    """1.4826 MAD / median: the CV a normal sample would have, blind to a few disturbed processes."""
    m = statistics.median(values)
    return 1.4826 * statistics.median(abs(v - m) for v in values) / m if m else float("nan")


def cmd_variance(a):
    if a.reprint:
        with open(a.output) as f:
            doc = json.load(f)
        a.processes, a.repetitions, a.min_time = doc["processes"], doc["repetitions"], doc["min_time"]
        print_variance(doc["rows"], a)
        return
    rows = []
    for cond in conditions(a.neighbour):
        with Neighbour(a.build, a.neighbour_threads, cond == "neighbour"), tempfile.TemporaryDirectory() as tmp:
            for program in a.programs:
                path = binary(a.build, program, 0)
                per_process = {}
                start = time.time()
                for _ in range(a.processes):
                    times = run_benchmark(path, ["--benchmark_repetitions=%d" % a.repetitions,
                                                 "--benchmark_min_time=%g" % a.min_time], tmp)
                    for name, t in times.items():
                        per_process.setdefault(name, []).append(t)
                print("variance %s %s: %d processes x %d repetitions in %.0f s, load %.1f" %
                      (cond, program, a.processes, a.repetitions, time.time() - start, os.getloadavg()[0]),
                      file=sys.stderr)
                for name, processes in per_process.items():
                    medians = [statistics.median(p) for p in processes]
                    rows.append({"condition": cond, "program": program, "benchmark": name,
                                 "within_cv": statistics.median(cv(p) for p in processes),
                                 "between_cv": cv(medians), "min": min(medians), "median": statistics.median(medians),
                                 "max": max(medians), "medians": medians})
    with open(a.output, "w") as f:
        json.dump({"processes": a.processes, "repetitions": a.repetitions, "min_time": a.min_time,
                   "neighbour_threads": a.neighbour_threads, "rows": rows}, f, indent=1)
    print_variance(rows, a)


def print_variance(rows, a):
    print("\nWhere the variance lives: %d processes x %d repetitions of --benchmark_min_time=%g per benchmark "
          "(cpu_time, base builds)\n" % (a.processes, a.repetitions, a.min_time))
    print("| condition | program | benchmark | within-process CV | between-process CV of medians | between/within | "
          "robust between (MAD) | process medians min / median / max (ns) |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        ratio = r["between_cv"] / r["within_cv"] if r["within_cv"] > 0 else float("nan")
        print("| %s | %s | %s | %.2f%% | %.2f%% | %.1fx | %.2f%% | %.0f / %.0f / %.0f |" %
              (r["condition"], r["program"], r["benchmark"], 100 * r["within_cv"], 100 * r["between_cv"], ratio,
               100 * robust_cv(r["medians"]), r["min"], r["median"], r["max"]))


# ---------------------------------------------------------------------------------------------------
# effects


def bootstrap_ratio(base, head, rng, resamples=2000):
    ratios = sorted(statistics.median(rng.choices(head, k=len(head))) /
                    statistics.median(rng.choices(base, k=len(base))) for _ in range(resamples))
    return ratios[int(0.025 * resamples)] - 1, ratios[int(0.975 * resamples) - 1] - 1


def binaries_stamp(a, program):
    return {str(p): os.path.getmtime(binary(a.build, program, p)) for p in a.measured_effects}


def measure_effects(a, cache_path):
    cache = {}
    if os.path.exists(cache_path):
        with open(cache_path) as f:
            cache = json.load(f)
    rng = random.Random(1)
    with tempfile.TemporaryDirectory() as tmp:
        for program, target in PROGRAMS.items():
            if program not in a.programs:
                continue
            stamp = binaries_stamp(a, program)
            entry = cache.get(program)
            if entry and all(entry["stamp"].get(k) == v for k, v in stamp.items()) and \
                    entry.get("processes", 0) >= a.effect_processes:
                continue
            # Each slowed build against the base build in duets (both at once on one CPU, as ab
            # runs them): processes run one after the other on this shared VM differ by up to
            # 1.6x (the host's other tenants), which would swamp a 2% effect in 16 processes.
            medians = {str(p): [] for p in a.measured_effects}
            ratios = {str(p): [] for p in a.measured_effects}
            args = ["--benchmark_filter=^%s$" % target, "--benchmark_repetitions=3",
                    "--benchmark_min_time=%g" % a.effect_min_time]
            start = time.time()
            for i in range(a.effect_processes):
                for p in a.measured_effects:
                    if p == 0:
                        continue
                    pair = [binary(a.build, program, 0), binary(a.build, program, p)]
                    if i % 2:
                        pair.reverse()
                    t = dict(zip([pair[0], pair[1]], run_duet(pair, args, tmp)))
                    tb, tp = t[binary(a.build, program, 0)], t[binary(a.build, program, p)]
                    if target not in tb or target not in tp:
                        fail("%s-%s did not report %s" % (program, p, target))
                    b, h = statistics.median(tb[target]), statistics.median(tp[target])
                    medians["0"].append(b)
                    medians[str(p)].append(h)
                    ratios[str(p)].append(h / b)
            result = {"stamp": stamp, "target": target, "processes": a.effect_processes, "min_time": a.effect_min_time,
                      "medians": medians, "method": "duets", "effects": {}}
            for p, m in medians.items():
                r = ratios[p] if p != "0" else [1.0]
                boot = sorted(statistics.median(rng.choices(r, k=len(r))) for _ in range(2000))
                result["effects"][p] = {"change": statistics.median(r) - 1, "ci_low": boot[50] - 1,
                                        "ci_high": boot[1949] - 1, "between_cv": cv(m)}
            cache[program] = result
            print("effects %s: %d processes per build in %.0f s, load %.1f" %
                  (program, a.effect_processes, time.time() - start, os.getloadavg()[0]), file=sys.stderr)
            with open(cache_path, "w") as f:
                json.dump(cache, f, indent=1)
    return cache


def cmd_effects(a):
    cache = measure_effects(a, a.effects_file)
    print("\nTrue effects: median over %d duets (the slowed and the base build at once on one CPU, 3 repetitions "
          "of --benchmark_min_time=%g each) of the ratio of their medians of the target; 95%% bootstrap "
          "interval\n" % (a.effect_processes, a.effect_min_time))
    print("| program | target | build | effect | interval | between-process CV |")
    print("|---|---|---|---|---|---|")
    for program in a.programs:
        e = cache[program]
        for p in a.measured_effects:
            x = e["effects"][str(p)]
            print("| %s | %s | +%s%% | %s | [%s, %s] | %.1f%% |" % (program, e["target"], p, pct_text(x["change"]),
                                                                pct_text(x["ci_low"]), pct_text(x["ci_high"]),
                                                                100 * x["between_cv"]))


# ---------------------------------------------------------------------------------------------------
# ab trials


def one_comparison(a, program, pct, cond, trial, tmp):
    out = os.path.join(tmp, "report.json")
    argv = [a.compare, "ab", binary(a.build, program, 0), binary(a.build, program, pct), "--quiet",
            "--format", "json", "--output", out] + a.ab_args
    load = os.getloadavg()[0]
    start = time.time()
    proc = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seconds = time.time() - start
    if proc.returncode not in (0, 1):
        fail("chinook-compare ab %s-0 %s-%s exited %d: %s" % (program, program, pct, proc.returncode,
                                                             proc.stderr.strip()[-800:]))
    with open(out) as f:
        report = json.load(f)
    os.unlink(out)
    target = PROGRAMS[program]
    benchmarks = {}
    for b in report["benchmarks"]:
        judged = [m for m in b["metrics"] if m.get("judged")]
        m = judged[0] if judged else {}
        benchmarks[b["name"]] = {"verdict": b["verdict"], "change": m.get("change"), "ci_low": m.get("ci_low"),
                                 "ci_high": m.get("ci_high"), "needed": b.get("needed"), "n": m.get("n_head"),
                                 # what a newer chinook-compare reports beyond the fields above, e.g.
                                 # the minimum detectable effect, is kept as it comes
                                 "extra": {k: v for k, v in m.items() if k not in (
                                     "metric", "better", "exact_metric", "judged", "n_base", "n_head", "base_median",
                                     "head_median", "change", "ci_low", "ci_high", "ci_level", "p_value",
                                     "exact_test", "threshold", "verdict", "needed", "note")}}
    if target not in benchmarks:
        fail("chinook-compare's report on %s has no %s" % (program, target))
    return {"program": program, "pct": pct, "condition": cond, "trial": trial, "exit": proc.returncode,
            "seconds": seconds, "load_before": load, "load_after": os.getloadavg()[0],
            "rounds": report.get("rounds"), "target": target, "benchmarks": benchmarks}


def describe(r):
    t = r["benchmarks"][r["target"]]
    others = ["%s %s" % (n, b["verdict"]) for n, b in r["benchmarks"].items()
              if n != r["target"] and b["verdict"] in ("regression", "improvement")]
    unsettled = sum(n != r["target"] and b["verdict"] == "inconclusive" for n, b in r["benchmarks"].items())
    mde = t["extra"].get("mde")
    return ("%-10s +%-2s%% %-9s trial %d: exit %d, %s %s %s [%s, %s]%s, n %s, other flags: %s, others inconclusive: %d, "
            "%.0f s, load %.1f" %
            (r["program"], r["pct"], r["condition"], r["trial"], r["exit"], r["target"], t["verdict"],
             pct_text(t["change"]), pct_text(t["ci_low"]), pct_text(t["ci_high"]),
             ", MDE %.1f%%" % (100 * abs(mde)) if isinstance(mde, (int, float)) else "", t.get("n"),
             ", ".join(others) or "none", unsettled, r["seconds"], (r["load_before"] + r["load_after"]) / 2))


def cmd_ab(a):
    effects = measure_effects(a, a.effects_file) if a.effect_processes > 0 else {}
    with tempfile.TemporaryDirectory() as tmp, open(a.log, "a") as log:
        for cond in conditions(a.neighbour):
            with Neighbour(a.build, a.neighbour_threads, cond == "neighbour"):
                for trial in range(1, a.trials + 1):
                    for program in a.programs:
                        for pct in a.effects:
                            r = one_comparison(a, program, pct, cond, trial, tmp)
                            r["label"] = a.label
                            # The true effect of these very binaries, kept with the comparison.
                            r["true_effect"] = effects.get(program, {}).get("effects", {}).get(str(pct))
                            log.write(json.dumps(r) + "\n")
                            log.flush()
                            print(describe(r), flush=True)
    return summarize(a)


def flagged(b):
    return b["verdict"] in ("regression", "improvement")


def summarize(a):
    results = []
    if os.path.exists(a.log):
        with open(a.log) as f:
            results = [json.loads(line) for line in f if line.strip()]
    results = [r for r in results if r.get("label") == a.label]
    if not results:
        fail("no comparisons labelled %r in %s" % (a.label, a.log))
    effects = {}
    if os.path.exists(a.effects_file):
        with open(a.effects_file) as f:
            effects = json.load(f)

    def true_effect(r):  # as recorded with the comparison, else from the current effects file
        e = r.get("true_effect") or effects.get(r["program"], {}).get("effects", {}).get(str(r["pct"]))
        return e
    missed = []
    print("\nchinook-compare ab, default settings (%s): %d comparisons" % (a.label, len(results)))
    if a.command == "summary":
        print()
        for r in results:
            print("    " + describe(r))
    print("\n| effect | condition | trials | target flagged | false alarms | true effect | inconclusive target | "
          "target MDE (median) | seconds per comparison (median, max) | load |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for pct in sorted({r["pct"] for r in results}):
        for cond in ("quiet", "neighbour"):
            cell = [r for r in results if r["pct"] == pct and r["condition"] == cond]
            if not cell:
                continue
            detected = sum(r["benchmarks"][r["target"]]["verdict"] == "regression" for r in cell)
            # A false alarm: any benchmark but the target flagged, or anything at all at 0%.
            alarms = sum(any(flagged(b) for n, b in r["benchmarks"].items() if n != r["target"] or pct == 0)
                         for r in cell)
            inconclusive = sum(r["benchmarks"][r["target"]]["verdict"] == "inconclusive" for r in cell)
            true = ["%s %s" % (p, pct_text(true_effect(next(r for r in cell if r["program"] == p))["change"]))
                    for p in sorted({r["program"] for r in cell})
                    if true_effect(next(r for r in cell if r["program"] == p))]
            secs = [r["seconds"] for r in cell]
            load = statistics.fmean((r["load_before"] + r["load_after"]) / 2 for r in cell)
            per_program = ", ".join("%s %d/%d" % (p, sum(r["benchmarks"][r["target"]]["verdict"] == "regression"
                                                         for r in cell if r["program"] == p),
                                                     sum(r["program"] == p for r in cell))
                                    for p in sorted({r["program"] for r in cell}))
            # The minimum detectable effect, where the chinook-compare measured reports one.
            mdes = [abs(r["benchmarks"][r["target"]]["extra"]["mde"]) for r in cell
                    if isinstance(r["benchmarks"][r["target"]]["extra"].get("mde"), (int, float))]
            print("| +%d%% | %s | %d | %s | %d of %d | %s | %d | %s | %.0f, %.0f | %.1f |" %
                  (pct, cond, len(cell), "%d of %d (%s)" % (detected, len(cell), per_program) if pct else "-",
                   alarms, len(cell), ", ".join(true) or "not measured", inconclusive if pct else 0,
                   "%.1f%%" % (100 * statistics.median(mdes)) if mdes else "-", statistics.median(secs), max(secs),
                   load))
            if pct >= 10 and detected < len(cell):
                missed.append("+%d%% %s: flagged in %d of %d trials (goal: every trial)" % (pct, cond, detected, len(cell)))
            if alarms:
                missed.append("+%d%% %s: %d false alarms (goal: none)" % (pct, cond, alarms))
            if max(secs) > GOAL_SECONDS:
                missed.append("+%d%% %s: a comparison took %.0f s (goal: %d)" % (pct, cond, max(secs), GOAL_SECONDS))
            for program in {r["program"] for r in cell}:
                runs = [r for r in cell if r["program"] == program]
                e = true_effect(runs[0])
                hits = sum(r["benchmarks"][r["target"]]["verdict"] == "regression" for r in runs)
                # Only where the true effect is surely that large: its interval's lower end.
                if e and e["ci_low"] >= 1.5 * THRESHOLD_PCT / 100 and hits < GOAL_RATE_AT_1_5X * len(runs):
                    missed.append("%s +%d%% %s (true effect %s, interval from %s: >= 1.5x the threshold): flagged in "
                                  "%d of %d (goal: 3 of 4)" % (program, pct, cond, pct_text(e["change"]),
                                                               pct_text(e["ci_low"]), hits, len(runs)))
    print()
    for m in missed:
        print("goal missed: " + m)
    if not missed:
        print("all goals met")
    return 1 if missed else 0


def interrupt(signum, frame):
    raise KeyboardInterrupt()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("command", choices=["variance", "effects", "ab", "summary"])
    p.add_argument("--build", required=True)
    p.add_argument("--programs", default=" ".join(PROGRAMS))
    p.add_argument("--effects", default="0 2 5 8 10", help="slowed builds (percent) to use")
    p.add_argument("--neighbour", default="both", choices=["0", "1", "both"])
    p.add_argument("--neighbour-threads", type=int, default=2)
    p.add_argument("--trials", type=int, default=4)
    p.add_argument("--processes", type=int, default=20, help="variance: processes")
    p.add_argument("--repetitions", type=int, default=5, help="variance: repetitions per process")
    p.add_argument("--min-time", type=float, default=0.2, help="variance: --benchmark_min_time")
    p.add_argument("--effect-processes", type=int, default=16, help="effects: processes per build (0: skip)")
    p.add_argument("--effect-min-time", type=float, default=0.2, help="effects: --benchmark_min_time")
    p.add_argument("--ab-args", default="", help="extra chinook-compare arguments")
    p.add_argument("--compare", help="the chinook-compare binary (BUILD/chinook-compare)")
    p.add_argument("--label", default="default", help="names this set of comparisons in the log")
    p.add_argument("--log", help="JSON-lines log of comparisons (BUILD/trials/ab-trials.jsonl)")
    p.add_argument("--output", help="variance: JSON output (BUILD/trials/variance.json)")
    p.add_argument("--effects-file", help="true effects cache (BUILD/trials/effects.json)")
    p.add_argument("--reprint", action="store_true", help="variance: print the table of --output again")
    a = p.parse_args()
    a.build = os.path.abspath(a.build)
    a.compare = os.path.abspath(a.compare) if a.compare else os.path.join(a.build, "chinook-compare")
    if not os.access(a.compare, os.X_OK):
        fail(a.compare + " missing: build chinook-compare first")
    a.programs = a.programs.split()
    for prog in a.programs:
        if prog not in PROGRAMS:
            fail("unknown program %r (%s)" % (prog, ", ".join(PROGRAMS)))
    try:
        a.effects = [int(x) for x in a.effects.split()]
    except ValueError:
        fail("--effects must be whole percentages, got %r" % a.effects)
    # The true effects need the base build measured too; the ab trials run only what was asked.
    a.measured_effects = a.effects if 0 in a.effects else [0] + a.effects
    a.ab_args = a.ab_args.split()
    a.effects_file = a.effects_file or os.path.join(a.build, "trials", "effects.json")
    a.log = a.log or os.path.join(a.build, "trials", "ab-trials.jsonl")
    a.output = a.output or os.path.join(a.build, "trials", "variance.json")
    # SIGTERM ends the run like Ctrl-C, so that the neighbour's group is stopped on the way out.
    signal.signal(signal.SIGTERM, interrupt)
    try:
        if a.command == "variance":
            cmd_variance(a)
        elif a.command == "effects":
            cmd_effects(a)
        elif a.command == "ab":
            sys.exit(cmd_ab(a))
        else:
            sys.exit(summarize(a))
    except KeyboardInterrupt:
        fail("interrupted; comparisons so far are in " + a.log, 130)


if __name__ == "__main__":
    main()

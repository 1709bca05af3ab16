#!/usr/bin/python3
"""Checks that chinook-compare agrees with Google Benchmark's compare.py on the same JSON.

For every benchmark and time metric (cpu_time, real_time) present on both sides with at least
two repetitions each, it compares
  - the sign of the change (compare.py: median of head vs median of base; chinook-compare: its
    Hodges-Lehmann estimate), wherever either tool finds the change significant;
  - the significance verdict at alpha = 0.05: compare.py's Mann-Whitney p-value (SciPy) against
    chinook-compare's raw, uncorrected p-value (its verdicts also apply a correction for
    testing many benchmarks at once and a threshold, which compare.py does not have).
Inputs: compare.py's own test inputs, the recorded fixtures in tools/compare/testdata, and
synthetic files written here from a seeded generator (shifts of 0 to 30%, 3 to 20 repetitions,
ties). Needs Debian's libbenchmark-tools and python3-scipy; not part of `make test`.

  tools/compare/agreement_check.py [BUILD_DIR]

Exit status 0 when every disagreement is one of the documented, deliberate ones (listed with the
reason), 1 otherwise.
"""
import json
import math
import os
import random
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else os.path.join(ROOT, "build")
COMPARE_PY = "/usr/share/benchmark/compare.py"
CHINOOK = os.path.join(BUILD, "chinook-compare")
ALPHA = 0.05


def synthetic_pair(directory, rng, index):
    """Writes two GB-format files with known shifts; returns their paths."""
    runs = ([], [])
    reps = rng.choice([3, 5, 7, 9, 12, 20])
    for b in range(8):
        shift = rng.choice([0.0, 0.0, 0.03, -0.05, 0.10, -0.10, 0.30])
        center = 1000.0 * (b + 1)
        ties = rng.random() < 0.25  # integer nanoseconds: ties as coarse timers give
        for side, factor in ((0, 1.0), (1, 1.0 + shift)):
            for r in range(reps):
                value = center * factor * math.exp(rng.gauss(0, 0.05))
                if ties:
                    value = float(round(value / 50) * 50)
                cpu = value * math.exp(rng.gauss(0, 0.01))
                runs[side].append({"name": "BM_%d" % b, "run_name": "BM_%d" % b, "run_type": "iteration",
                                   "repetitions": reps, "repetition_index": r, "threads": 1,
                                   "iterations": 1000, "real_time": value, "cpu_time": cpu, "time_unit": "ns"})
    paths = []
    for side in (0, 1):
        path = os.path.join(directory, "synthetic%02d_%s.json" % (index, "ab"[side]))
        with open(path, "w") as f:
            json.dump({"context": {"date": "2024-01-01T00:00:00+00:00", "num_cpus": 2,
                                   "library_build_type": "release"}, "benchmarks": runs[side]}, f)
        paths.append(path)
    return paths


def compare_py(base, head):
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        subprocess.run([sys.executable, COMPARE_PY, "--no-color", "-d", out.name, "benchmarks", base, head],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        with open(out.name) as f:
            report = json.load(f)
    result = {}
    for entry in report:
        utest = entry.get("utest") or {}
        if entry.get("run_type") == "aggregate" or not utest:
            continue
        for metric, key, pkey in (("cpu_time", "cpu_time", "cpu_pvalue"), ("real_time", "real_time", "time_pvalue")):
            base_values = sorted(m[key] for m in entry["measurements"])
            head_values = sorted(m[key + "_other"] for m in entry["measurements"])
            median = lambda v: (v[(len(v) - 1) // 2] + v[len(v) // 2]) / 2
            change = median(head_values) / median(base_values) - 1 if median(base_values) else 0
            result[(entry["name"], metric)] = (change, utest[pkey])
    return result


def chinook(base, head):
    done = subprocess.run([CHINOOK, base, head, "--format", "json"], stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL, check=False)
    if done.returncode not in (0, 1):
        raise RuntimeError("chinook-compare failed on %s %s" % (base, head))
    report = json.loads(done.stdout)
    result = {}
    for bench in report["benchmarks"]:
        for m in bench["metrics"]:
            if m["metric"] in ("cpu_time", "real_time") and m["p_value"] is not None:
                result[(bench["name"], m["metric"])] = (m["change"], m["p_value"], m["n_base"], m["n_head"],
                                                        m["exact_test"])
    return result


def main():
    for tool in (COMPARE_PY, CHINOOK):
        if not os.path.exists(tool):
            print("agreement_check: %s missing (apt-get install libbenchmark-tools python3-scipy; build)" % tool)
            return 2
    inputs = "/usr/share/benchmark/gbench/Inputs"
    testdata = os.path.join(ROOT, "tools", "compare", "testdata")
    pairs = [(os.path.join(inputs, a), os.path.join(inputs, b))
             for a, b in (("test1_run1.json", "test1_run2.json"), ("test3_run0.json", "test3_run1.json"))]
    pairs += [(os.path.join(testdata, a), os.path.join(testdata, b))
              for a, b in (("gb17_reps_a.json", "gb17_reps_b.json"), ("chinook_bench_a.json", "chinook_bench_b.json"))]
    rng = random.Random(20240501)
    with tempfile.TemporaryDirectory() as directory:
        for i in range(40):
            pairs.append(tuple(synthetic_pair(directory, rng, i)))
        compared = sign_checked = 0
        disagreements, explained = [], []
        for base, head in pairs:
            theirs, ours = compare_py(base, head), chinook(base, head)
            for key, (their_change, their_p) in sorted(theirs.items()):
                if key not in ours or ours[key][2] < 2 or ours[key][3] < 2:
                    continue
                our_change, our_p, n_base, n_head, exact = ours[key]
                compared += 1
                where = "%s vs %s %s %s" % (os.path.basename(base), os.path.basename(head), key[0], key[1])
                # The sign of a change that neither tool finds significant is noise.
                if min(their_p, our_p) < ALPHA:
                    sign_checked += 1
                    if (their_change > 0) != (our_change > 0):
                        disagreements.append("%s: sign %+.4f vs %+.4f" % (where, their_change, our_change))
                if (their_p < ALPHA) != (our_p < ALPHA):
                    line = "%s: p %.4g (compare.py) vs %.4g (chinook-compare), n %d/%d" % (
                        where, their_p, our_p, n_base, n_head)
                    # SciPy's default switches to the normal approximation at 8 or more a side; R
                    # and chinook-compare stay exact below 50 when there are no ties.
                    if exact and max(n_base, n_head) >= 8:
                        explained.append(line + " [exact vs SciPy's normal approximation]")
                    else:
                        disagreements.append(line)
        print("compared %d benchmark/metric pairs from %d file pairs; sign checked on %d" %
              (compared, len(pairs), sign_checked))
        print("significance at alpha %.2f: %d agree, %d differ by the deliberate exact-vs-approximate choice, "
              "%d other disagreements" % (ALPHA, compared - len(explained) - len(
                  [d for d in disagreements if " p " in d]), len(explained), len(disagreements)))
        for line in explained:
            print("  explained: " + line)
        for line in disagreements:
            print("  DISAGREE: " + line)
        return 1 if disagreements else 0


if __name__ == "__main__":
    sys.exit(main())

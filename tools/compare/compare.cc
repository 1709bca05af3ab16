// The comparison engine of compare.h: walks the benchmarks and metrics of both sides, estimates
// each change, applies the multiple-testing correction and the sequential plan, and hands the
// figures to the verdict rules (verdict.h) and the geometric-mean bootstrap (bootstrap.h).
#include "compare.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <set>
#include <tuple>

#include "bootstrap.h"
#include "stats.h"
#include "verdict.h"

namespace chinook::compare {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Where a benchmark stands on one side, over all of that side's rounds.
struct Presence {
  bool seen = false;
  bool ok = false;
  std::string error;
  std::string skipped;
  bool from_aggregates = false;
  int failed_runs = 0;  // runs (rounds) in which it failed
  const Measurements* first_ok = nullptr;
};

Presence Find(std::span<const BenchmarkRun> rounds, const std::string& name) {
  Presence p;
  for (const BenchmarkRun& r : rounds) {
    const Measurements* m = r.Find(name);
    if (m == nullptr) continue;
    p.seen = true;
    if (m->ok()) {
      p.ok = true;
      if (p.first_ok == nullptr) p.first_ok = m;
      p.from_aggregates = p.from_aggregates || m->from_aggregates;
    } else if (!m->error.empty()) {
      ++p.failed_runs;
      if (p.error.empty()) p.error = m->error;
    } else if (!m->skipped.empty() && p.skipped.empty()) {
      p.skipped = m->skipped;
    }
  }
  return p;
}

std::vector<double> Pooled(std::span<const BenchmarkRun> rounds, const std::string& name, const std::string& metric) {
  std::vector<double> out;
  for (const BenchmarkRun& r : rounds) {
    const Measurements* m = r.Find(name);
    if (m == nullptr || !m->ok()) continue;
    if (const std::vector<double>* s = m->Find(metric)) out.insert(out.end(), s->begin(), s->end());
  }
  return out;
}

// Per-round medians of both sides for the rounds where both have the metric.
void PairedMedians(std::span<const BenchmarkRun> base, std::span<const BenchmarkRun> head, const std::string& name,
                   const std::string& metric, std::vector<double>* a, std::vector<double>* b) {
  for (size_t i = 0; i < base.size() && i < head.size(); ++i) {
    const Measurements* x = base[i].Find(name);
    const Measurements* y = head[i].Find(name);
    if (x == nullptr || y == nullptr || !x->ok() || !y->ok()) continue;
    const std::vector<double>* xs = x->Find(metric);
    const std::vector<double>* ys = y->Find(metric);
    if (xs == nullptr || ys == nullptr || xs->empty() || ys->empty()) continue;
    a->push_back(stats::Median(*xs));
    b->push_back(stats::Median(*ys));
  }
}

bool AllPositive(std::span<const double> v) {
  return std::all_of(v.begin(), v.end(), [](double x) { return x > 0; });
}

// A shift on the analysis scale as a relative change.
double Relative(double shift, bool log_scale, double scale) {
  if (log_scale) return std::expm1(shift);
  if (scale == 0) return shift == 0 ? 0 : std::copysign(kInf, shift);
  return shift / scale;
}

Estimate EstimateIndependent(std::span<const double> x, std::span<const double> y, double confidence) {
  Estimate e;
  e.log_scale = AllPositive(x) && AllPositive(y);
  e.test = stats::MannWhitneyU(x, y);  // rank-based: the same on either scale
  if (e.log_scale) {
    std::vector<double> lx(x.size()), ly(y.size());
    std::transform(x.begin(), x.end(), lx.begin(), [](double v) { return std::log(v); });
    std::transform(y.begin(), y.end(), ly.begin(), [](double v) { return std::log(v); });
    e.interval = stats::HodgesLehmannShift(lx, ly, confidence);
  } else {
    e.interval = stats::HodgesLehmannShift(x, y, confidence);
    e.scale = std::fabs(stats::Median(x));
  }
  return e;
}

Estimate EstimatePaired(std::span<const double> a, std::span<const double> b, double confidence) {
  Estimate e;
  e.log_scale = AllPositive(a) && AllPositive(b);
  std::vector<double> d(a.size());
  for (size_t i = 0; i < a.size(); ++i) d[i] = e.log_scale ? std::log(b[i]) - std::log(a[i]) : b[i] - a[i];
  if (!e.log_scale) e.scale = std::fabs(stats::Median(a));
  e.test = stats::WilcoxonSignedRank(d);
  e.interval = stats::HodgesLehmannPaired(d, confidence);
  e.d = std::move(d);
  return e;
}

// Samples per side that would settle an inconclusive comparison: enough that the interval no
// longer straddles the threshold (its half-width shrinks as 1/sqrt(n)) at the corrected level, and
// enough that an exact test can reach the corrected alpha at all. An estimate, for guidance.
int NeededSamples(const Estimate& e, int n, double threshold, double alpha_family, double confidence, bool paired) {
  const double t = e.log_scale ? std::log1p(threshold) : threshold * e.scale;
  const double half = (e.interval.high - e.interval.low) / 2;
  const double gap = std::fabs(std::fabs(e.interval.estimate) - t);
  int floor_n = std::max(n + 1, 2);
  while (floor_n < kNeededCap &&
         (paired ? stats::MinimumSignedRankP(floor_n) : stats::MinimumMannWhitneyP(floor_n, floor_n)) >= alpha_family) {
    ++floor_n;
  }
  if (floor_n >= kNeededCap) return -1;
  if (!(half > 0)) return floor_n;
  if (!(gap > 0)) return -1;
  const double z_now = stats::NormalQuantile(1 - (1 - confidence) / 2);
  const double z_family = stats::NormalQuantile(1 - alpha_family / 2);
  const double ratio = half * std::max(1.0, z_family / z_now) / gap;
  const double want = static_cast<double>(n) * ratio * ratio;
  if (!(want < kNeededCap)) return -1;
  return std::max(floor_n, static_cast<int>(std::ceil(want)));
}

void AddGateErrors(Report* report) {
  for (const GateResult& g : report->gates) {
    if (g.outcome == GateResult::Outcome::kUnknown) {
      report->input_errors.push_back("gate \"" + g.id + "\": " + g.detail);
    }
  }
}

class Engine {
 public:
  Engine(std::span<const BenchmarkRun> base, std::span<const BenchmarkRun> head, bool paired,
         const GatesConfig& config, const CompareOptions& options)
      : base_(base), head_(head), paired_(paired), config_(config), options_(options) {}

  Report Run() {
    report_.alpha = config_.alpha;
    report_.confidence = config_.confidence;
    report_.correction = config_.correction;
    report_.advisory = options_.advisory;
    report_.fail_on_inconclusive = options_.fail_on_inconclusive;
    report_.allow_absent = options_.allow_absent;
    for (const BenchmarkRun& r : base_) report_.warnings.insert(report_.warnings.end(), r.warnings.begin(), r.warnings.end());
    for (const BenchmarkRun& r : head_) report_.warnings.insert(report_.warnings.end(), r.warnings.begin(), r.warnings.end());
    report_.context_warnings = CompareContexts(base_.front(), head_.front(), /*check_dates=*/!paired_);
    report_.base_provenance = Provenance(base_.front());
    report_.head_provenance = Provenance(head_.front());

    if (!paired_) WarnSingleRepetitions();
    for (const std::string& name : AllNames()) report_.benchmarks.push_back(CompareBenchmark(name));
    AdjustAndDecide();
    if (options_.time_metrics.empty()) {
      if (std::optional<GeoMean> g = ComputeGeoMean("time")) report_.geomeans.push_back(*g);
    }
    for (const std::string& metric : options_.time_metrics) {
      if (std::optional<GeoMean> g = ComputeGeoMean(metric)) report_.geomeans.push_back(*g);
    }
    std::vector<std::string> known;
    for (const BenchmarkRun& r : base_) {
      for (const Measurements& m : r.benchmarks) known.push_back(m.name);
    }
    report_.gates = EvaluateGates(config_, head_, known, options_.allow_absent);
    AddGateErrors(&report_);
    return std::move(report_);
  }

 private:
  static std::vector<std::pair<std::string, std::string>> Provenance(const BenchmarkRun& r) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& kv : r.context) {
      if (kv.first.rfind("chinook_", 0) == 0) out.push_back(kv);
    }
    return out;
  }

  // One repetition a side leaves nothing to test: say so instead of a quiet "inconclusive".
  void WarnSingleRepetitions() {
    for (const auto& [side, runs] : {std::pair{"baseline", base_}, std::pair{"current run", head_}}) {
      int single = 0, total = 0;
      for (const BenchmarkRun& r : runs) {
        for (const Measurements& m : r.benchmarks) {
          if (!m.ok()) continue;
          ++total;
          const std::vector<double>* t = m.Find(DeclaredTimeMetric(m.name));
          if (t != nullptr && t->size() < 2) ++single;
        }
      }
      if (single > 0) {
        report_.warnings.push_back(std::string("the ") + side + " (" + runs.front().source + ") has one repetition of " +
                                   std::to_string(single) + " of its " + std::to_string(total) +
                                   " benchmarks: no test can be significant there; record with "
                                   "--benchmark_repetitions=10 or more, or compare programs with `ab`");
      }
    }
  }

  // Base order first, then what only the head has, in its order.
  std::vector<std::string> AllNames() const {
    std::vector<std::string> names;
    std::set<std::string> seen;
    for (auto side : {base_, head_}) {
      for (const BenchmarkRun& r : side) {
        for (const Measurements& m : r.benchmarks) {
          if (seen.insert(m.name).second) names.push_back(m.name);
        }
      }
    }
    return names;
  }

  BenchmarkComparison CompareBenchmark(const std::string& name) {
    BenchmarkComparison b;
    b.name = name;
    b.gated = config_.IsGated(name);
    const Presence base = Find(base_, name);
    const Presence head = Find(head_, name);
    if (head.seen && !head.ok) {
      if (!head.error.empty()) {
        b.verdict = Verdict::kFailed;
        b.notes.push_back("failed in the current run: " + head.error);
      } else {
        b.verdict = Verdict::kSkipped;
        b.notes.push_back(head.skipped.empty() ? "no repetitions, mean or median in the current run: not compared"
                                               : "skipped by the program: " + head.skipped);
      }
      return b;
    }
    if (!head.seen) {
      b.verdict = Verdict::kMissing;
      b.notes.push_back(b.gated ? "gated benchmark missing from the current run" : "not in the current run");
      return b;
    }
    if (!base.ok) {
      b.verdict = Verdict::kNew;
      if (!base.error.empty()) {
        b.notes.push_back("failed in the baseline: " + base.error);
      } else if (base.seen) {
        b.notes.push_back(base.skipped.empty() ? "nothing comparable in the baseline"
                                               : "skipped in the baseline: " + base.skipped);
      }
      return b;
    }
    for (const auto& [side, p, runs] : {std::tuple{"current run", &head, head_.size()}, std::tuple{"baseline", &base, base_.size()}}) {
      if (p->failed_runs > 0) {
        b.notes.push_back("failed in " + std::to_string(p->failed_runs) + " of " + std::to_string(runs) + " " +
                          (paired_ ? "rounds" : "runs") + " of the " + side + " (" + p->error + "); compared on the others");
      }
    }
    if (base.from_aggregates || head.from_aggregates) {
      b.notes.push_back("only aggregates in " + std::string(base.from_aggregates ? "the baseline" : "the current run") +
                        ": no per-repetition data to test; rerun without --benchmark_report_aggregates_only");
    }
    for (const std::string& metric : base.first_ok->metric_order) {
      if (head.first_ok->Find(metric) == nullptr) {
        b.notes.push_back("metric " + metric + " is not in the current run");
        continue;
      }
      b.metrics.push_back(CompareMetric(name, metric));
    }
    for (const std::string& metric : head.first_ok->metric_order) {
      if (base.first_ok->Find(metric) == nullptr) b.notes.push_back("new metric " + metric);
    }
    return b;
  }

  bool IsTimeMetric(std::string_view metric) const { return metric == kCpuTime || metric == kRealTime; }

  bool JudgesTime(std::string_view benchmark, std::string_view metric) const {
    if (options_.time_metrics.empty()) return metric == DeclaredTimeMetric(benchmark);
    return std::find(options_.time_metrics.begin(), options_.time_metrics.end(), metric) != options_.time_metrics.end();
  }

  MetricComparison CompareMetric(const std::string& name, const std::string& metric) {
    MetricComparison c;
    c.metric = metric;
    c.rule = config_.RuleFor(metric);
    c.judged = c.rule.verdict && c.rule.direction != Direction::kUnknown &&
               (!IsTimeMetric(metric) || JudgesTime(name, metric));
    const std::vector<double> x = Pooled(base_, name, metric);
    const std::vector<double> y = Pooled(head_, name, metric);
    c.base_median = x.empty() ? 0 : stats::Median(x);
    c.head_median = y.empty() ? 0 : stats::Median(y);
    if (x.empty() || y.empty()) {
      c.note = "no samples";
      c.judged = false;
      return c;
    }
    bool varying_count = false;
    // A count that repeats within each process but differs between processes: one-off
    // allocations spread over each process's own number of iterations (2 allocations over 26 or
    // 29 iterations), which the exact rule's totals already account for. Judged exactly, on the
    // median per-process figure of each side.
    const bool exact_per_process = c.rule.exact && paired_ && OneOffsOnly(base_, name, metric, c.rule) &&
                                   OneOffsOnly(head_, name, metric, c.rule);
    if (c.rule.exact && !(stats::IsConstant(x) && stats::IsConstant(y)) && !exact_per_process) {
      // Not a count that repeats (other threads allocate meanwhile): judged by a test, as a
      // sampled metric. Its threshold is the benchmark's relative threshold, or the tolerance per
      // iteration where that is larger: noise from other threads is not a regression, and a test
      // against 0.01 of an allocation in a count that jitters by whole allocations never settles.
      c.rule.exact = false;
      varying_count = true;
      c.note = "count varies (within a process, or between processes by more than one-off counts): tested, "
               "threshold the larger of " +
               std::to_string(c.rule.tolerance) + " per iteration and the benchmark's threshold";
    }
    if (c.rule.exact) {
      c.n_base = static_cast<int>(x.size());
      c.n_head = static_cast<int>(y.size());
      const bool varies_between_processes = exact_per_process && !(stats::IsConstant(x) && stats::IsConstant(y));
      std::vector<double> base_figures, head_figures;
      if (varies_between_processes) {
        base_figures = PerRoundFigures(base_, name, metric);
        head_figures = PerRoundFigures(head_, name, metric);
        c.base_median = stats::Median(base_figures);
        c.head_median = stats::Median(head_figures);
        c.note = "repeats within each process, differs between processes (one-off counts over different iterations)";
      }
      c.threshold = c.rule.tolerance;
      const double diff = c.head_median - c.base_median;
      c.change = c.ci_low = c.ci_high = Relative(diff, false, std::fabs(c.base_median));
      c.verdict = c.judged ? DecideExact(metric, c.rule,
                                         {.base = c.base_median,
                                          .head = c.head_median,
                                          .base_iterations = MedianIterations(base_, name),
                                          .head_iterations = MedianIterations(head_, name)},
                                         &c.note)
                           : Verdict::kInfo;
      // A figure that differs between processes of one binary (a buffer sized by how the socket
      // delivered a reply, one-off allocations over each process's own iteration count) makes
      // the medians of two sides differ on identical code: 150,998.8 against 150,997.7 bytes per
      // op in a PR check. Such a difference is a change only when it moves the head's processes
      // clear of the base's: every head figure beyond every base figure. Identical code does that
      // with probability 2 / C(2n, n) (0.0006 at 7 rounds a side); a change per op larger than
      // each side's spread between processes (at most tolerance + slack / iterations, OneOffsOnly)
      // does it always: one more allocation per op in a benchmark of more than a few iterations.
      if (varies_between_processes && (c.verdict == Verdict::kRegression || c.verdict == Verdict::kImprovement)) {
        const auto [base_lo, base_hi] = std::minmax_element(base_figures.begin(), base_figures.end());
        const auto [head_lo, head_hi] = std::minmax_element(head_figures.begin(), head_figures.end());
        if (*head_lo <= *base_hi && *base_lo <= *head_hi) {
          c.verdict = Verdict::kUnchanged;
          char buf[200];
          std::snprintf(buf, sizeof buf,
                        "; the sides overlap between processes (base %.6g to %.6g, head %.6g to %.6g per iteration)",
                        *base_lo, *base_hi, *head_lo, *head_hi);
          c.note += buf;
        }
      }
      // Paired rounds are separate processes: a count that repeats within one process may still
      // differ between processes of the same binary (buffers sized by timing, other threads).
      // Until each side has two processes to show it repeats, a difference proves nothing.
      if (paired_ && c.verdict != Verdict::kInfo && c.verdict != Verdict::kUnchanged &&
          (RoundsWith(base_, name, metric) < 2 || RoundsWith(head_, name, metric) < 2)) {
        c.verdict = Verdict::kInconclusive;
        c.needed = 2;
        c.note = "one process a side: a count can differ between processes of one binary";
      }
      return c;
    }
    c.threshold = config_.ThresholdFor(name, metric);
    if (varying_count) {
      const double tolerance = std::max(c.rule.tolerance, 1e-9);
      c.threshold = std::max(c.threshold, tolerance / std::max(std::fabs(c.base_median), tolerance));
    }
    Estimate e;
    if (paired_) {
      std::vector<double> a, b;
      PairedMedians(base_, head_, name, metric, &a, &b);
      if (a.empty()) {
        c.note = "no round has both sides";
        c.judged = false;
        return c;
      }
      c.n_base = c.n_head = static_cast<int>(a.size());
      e = EstimatePaired(a, b, config_.confidence);
    } else {
      c.n_base = static_cast<int>(x.size());
      c.n_head = static_cast<int>(y.size());
      e = EstimateIndependent(x, y, config_.confidence);
    }
    c.p_value = e.test.p_value;
    c.exact_test = e.test.exact;
    // A metric that repeats exactly on each side (a count, a seeded simulation's hit rate) is
    // deterministic: its change is known, and a rank test on tied values would only say that a
    // handful of repetitions cannot be significant. Decided by the change and the threshold.
    if (c.n_base >= 2 && c.n_head >= 2 && stats::IsConstant(x) && stats::IsConstant(y)) {
      c.p_value = x.front() == y.front() ? 1.0 : 0.0;
      c.exact_test = true;
      c.note = "deterministic: the same value in every repetition";
      c.deterministic = true;
    }
    c.change = Relative(e.interval.estimate, e.log_scale, e.scale);
    c.ci_low = Relative(e.interval.low, e.log_scale, e.scale);
    c.ci_high = Relative(e.interval.high, e.log_scale, e.scale);
    c.ci_level = e.interval.level;
    c.estimate = std::move(e);
    return c;
  }

  // Calls fn(m, samples) for each round of a side in which the benchmark ran without error and
  // has the metric: the one walk over a side's processes that the helpers below share.
  template <typename Fn>
  static void ForEachRoundWith(std::span<const BenchmarkRun> rounds, const std::string& name, const std::string& metric,
                               Fn&& fn) {
    for (const BenchmarkRun& r : rounds) {
      const Measurements* m = r.Find(name);
      if (m == nullptr || !m->ok()) continue;
      if (const std::vector<double>* v = m->Find(metric); v != nullptr) fn(*m, *v);
    }
  }

  // Whether every process (round) of a side repeats the metric exactly across its repetitions,
  // and the processes differ by no more than one-off counts (at most the rule's slack per run)
  // spread over their different numbers of iterations explain. Counts that other threads move
  // (13.16 .. 13.26 allocations per op over 1,000 iterations each) are not that.
  static bool OneOffsOnly(std::span<const BenchmarkRun> rounds, const std::string& name, const std::string& metric,
                          const MetricRule& rule) {
    double lo = kInf, hi = -kInf, min_iterations = kInf;
    bool constant = true;
    ForEachRoundWith(rounds, name, metric, [&](const Measurements& m, const std::vector<double>& v) {
      if (v.empty()) return;
      constant = constant && stats::IsConstant(v);
      lo = std::min(lo, v.front());
      hi = std::max(hi, v.front());
      for (const double n : m.iterations) min_iterations = std::min(min_iterations, n);
    });
    if (!constant || !(lo <= hi)) return false;
    if (!std::isfinite(min_iterations) || min_iterations <= 0) return hi - lo <= rule.tolerance;
    return hi - lo <= rule.tolerance + rule.slack / min_iterations;
  }

  // Each process's figure (the median of its repetitions).
  static std::vector<double> PerRoundFigures(std::span<const BenchmarkRun> rounds, const std::string& name,
                                             const std::string& metric) {
    std::vector<double> out;
    ForEachRoundWith(rounds, name, metric, [&](const Measurements&, const std::vector<double>& v) {
      if (!v.empty()) out.push_back(stats::Median(v));
    });
    return out;
  }

  // Rounds of a side in which the benchmark has the metric.
  static int RoundsWith(std::span<const BenchmarkRun> rounds, const std::string& name, const std::string& metric) {
    int n = 0;
    ForEachRoundWith(rounds, name, metric, [&](const Measurements&, const std::vector<double>&) { ++n; });
    return n;
  }

  // Median iterations per repetition of a side, or 0 when the files do not say.
  static double MedianIterations(std::span<const BenchmarkRun> rounds, const std::string& name) {
    std::vector<double> n;
    for (const BenchmarkRun& r : rounds) {
      const Measurements* m = r.Find(name);
      if (m != nullptr && m->ok()) n.insert(n.end(), m->iterations.begin(), m->iterations.end());
    }
    return n.empty() ? 0 : stats::Median(n);
  }

  // Applies the multiple-testing correction over every judged statistical metric, then decides.
  void AdjustAndDecide() {
    std::vector<MetricComparison*> family;
    std::vector<double> p;
    for (BenchmarkComparison& b : report_.benchmarks) {
      for (MetricComparison& c : b.metrics) {
        if (c.rule.exact || std::isnan(c.p_value)) continue;
        // With one sample on a side no test can be significant; counting it would only make
        // the correction harsher on the others.
        if (c.deterministic) c.p_adjusted = c.p_value;  // known, not tested: no correction
        if (c.judged && c.n_base >= 2 && c.n_head >= 2 && !c.deterministic) {
          family.push_back(&c);
          p.push_back(c.p_value);
        }
      }
    }
    std::vector<double> adjusted;
    switch (config_.correction) {
      case Correction::kHolm: adjusted = stats::AdjustHolm(p); break;
      case Correction::kBenjaminiHochberg: adjusted = stats::AdjustBenjaminiHochberg(p); break;
      case Correction::kNone: adjusted = p; break;
    }
    for (size_t i = 0; i < family.size(); ++i) family[i]->p_adjusted = adjusted[i];
    report_.tests = static_cast<int>(family.size());
    const double alpha_family =
        config_.correction == Correction::kNone ? config_.alpha : config_.alpha / std::max<size_t>(1, family.size());
    // Exact tests have a smallest possible p-value; below the corrected alpha nothing can ever
    // be called, which the reader must know rather than take "inconclusive" for "fine".
    int hopeless = 0;
    double smallest = 1;
    for (const MetricComparison* c : family) {
      const double floor = paired_ ? stats::MinimumSignedRankP(c->n_base) : stats::MinimumMannWhitneyP(c->n_base, c->n_head);
      smallest = std::min(smallest, floor);
      if (floor >= alpha_family) ++hopeless;
    }
    if (hopeless > 0) {
      char buf[320];
      std::snprintf(buf, sizeof buf,
                    "%d of %zu tests cannot reach significance: with these sample sizes the smallest possible "
                    "p-value is %.2g, and the corrected alpha is %.2g; use more %s",
                    hopeless, family.size(), smallest, alpha_family, paired_ ? "rounds" : "repetitions");
      report_.warnings.push_back(buf);
    }

    // Sequential analysis: each metric's look, and the level that look may spend.
    const SequentialPlan& plan = options_.sequential;
    const bool sequential = paired_ && plan.enabled;
    const int first_significant =
        sequential ? plan.FirstSignificantLook(static_cast<int>(family.size()), config_.alpha) : 0;
    const double z_power = stats::NormalQuantile(0.8);

    for (BenchmarkComparison& b : report_.benchmarks) {
      for (MetricComparison& c : b.metrics) {
        if (c.rule.exact || std::isnan(c.p_value)) continue;
        Estimate& e = c.estimate;
        if (!c.judged) {
          c.verdict = Verdict::kInfo;
          continue;
        }
        double alpha = config_.alpha, confidence = config_.confidence;
        if (sequential) {
          c.look = plan.LookIndex(c.n_base, &c.at_look);
          if (c.look == 0) {
            c.verdict = Verdict::kInconclusive;
            c.needed = plan.first_look;
            continue;
          }
          // Deterministic metrics need no test: they keep the plain alpha.
          if (!c.deterministic) {
            alpha = c.look >= first_significant ? alpha * SequentialPlan::Spend(c.look - first_significant + 1) : 0;
          }
          confidence = 1 - (1 - confidence) * SequentialPlan::Spend(c.look);
          e.interval = stats::HodgesLehmannPaired(e.d, confidence);
          c.change = Relative(e.interval.estimate, e.log_scale, e.scale);
          c.ci_low = Relative(e.interval.low, e.log_scale, e.scale);
          c.ci_high = Relative(e.interval.high, e.log_scale, e.scale);
          c.ci_level = e.interval.level;
        }
        const double p_adj = std::isnan(c.p_adjusted) ? 1.0 : c.p_adjusted;
        c.verdict = Decide(c.change, c.ci_low, c.ci_high, c.ci_level, p_adj, c.threshold, c.rule.direction, alpha,
                           confidence);
        // The smallest change this sample flags 80% of the time: (z_alpha + z_power) standard
        // errors, the standard error read off the interval's width; out of reach when no sample
        // of this size can be significant at this level.
        const double alpha_one =
            sequential && !c.deterministic
                ? config_.alpha * SequentialPlan::Spend(std::max(1, c.look - first_significant + 1)) /
                      std::max<size_t>(1, family.size())
                : alpha / std::max<size_t>(1, family.size());
        const double floor = paired_ ? stats::MinimumSignedRankP(c.n_base) : stats::MinimumMannWhitneyP(c.n_base, c.n_head);
        const double z_level = stats::NormalQuantile(1 - (1 - std::min(c.ci_level, 1 - 1e-12)) / 2);
        const double se = (e.interval.high - e.interval.low) / (2 * z_level);
        if (floor >= alpha_one) {
          c.mde = kInf;
        } else if (std::isfinite(se) && z_level > 0) {
          const double shift = (stats::NormalQuantile(1 - alpha_one / 2) + z_power) * se;
          c.mde = e.log_scale ? std::expm1(shift) : (e.scale > 0 ? shift / e.scale : kInf);
        }
        if (c.verdict == Verdict::kInconclusive) {
          c.needed = NeededSamples(e, std::min(c.n_base, c.n_head), c.threshold, alpha_one, confidence, paired_);
        }
      }
      Summarize(&b);
      b.settled = b.verdict != Verdict::kInconclusive;
      for (const MetricComparison& c : b.metrics) {
        if (c.judged && !c.rule.exact && !std::isnan(c.p_value) && !c.at_look) b.settled = false;
      }
    }
  }

  static void Summarize(BenchmarkComparison* b) {
    if (b->verdict == Verdict::kFailed || b->verdict == Verdict::kSkipped || b->verdict == Verdict::kMissing ||
        b->verdict == Verdict::kNew) {
      return;
    }
    BenchmarkVerdict worst;
    for (const MetricComparison& c : b->metrics) worst.Add(c.verdict, c.needed);
    b->verdict = worst.verdict();
    b->needed = worst.needed();
  }

  // `label` is a time metric, or "time" for each benchmark's declared clock.
  std::optional<GeoMean> ComputeGeoMean(const std::string& label) const {
    // Per benchmark: the samples behind log(median head / median base).
    std::vector<RatioSamples> series;
    for (const BenchmarkComparison& b : report_.benchmarks) {
      if (b.verdict == Verdict::kNew || b.verdict == Verdict::kMissing || b.verdict == Verdict::kFailed ||
          b.verdict == Verdict::kSkipped) {
        continue;
      }
      RatioSamples s;
      const std::string metric = label == "time" ? std::string(DeclaredTimeMetric(b.name)) : label;
      if (paired_) {
        PairedMedians(base_, head_, b.name, metric, &s.x, &s.y);
      } else {
        s.x = Pooled(base_, b.name, metric);
        s.y = Pooled(head_, b.name, metric);
      }
      if (s.x.empty() || s.y.empty() || !AllPositive(s.x) || !AllPositive(s.y)) continue;
      series.push_back(std::move(s));
    }
    if (series.empty() || options_.bootstrap_resamples < 1) return std::nullopt;
    const BootstrapInterval interval = BootstrapGeoMean(series, {.paired = paired_,
                                                                 .rounds = base_.size(),
                                                                 .seed = options_.seed,
                                                                 .resamples = options_.bootstrap_resamples,
                                                                 .confidence = config_.confidence});
    GeoMean g;
    g.metric = label;
    g.benchmarks = static_cast<int>(series.size());
    g.change = interval.change;
    g.ci_low = interval.low;
    g.ci_high = interval.high;
    return g;
  }

  std::span<const BenchmarkRun> base_;
  std::span<const BenchmarkRun> head_;
  bool paired_;
  const GatesConfig& config_;
  const CompareOptions& options_;
  Report report_;
};

}  // namespace

int SequentialPlan::LookAt(int k) const {
  double look = std::max(2, first_look);
  for (int i = 1; i < k; ++i) look = std::max(look + 1, std::round(look * growth));
  return static_cast<int>(look);
}

int SequentialPlan::LookIndex(int n, bool* at_look) const {
  *at_look = false;
  for (int k = 1;; ++k) {
    const int look = LookAt(k);
    if (look == n) {
      *at_look = true;
      return k;
    }
    if (look > n) return k - 1 == 0 ? 0 : k;
  }
}

int SequentialPlan::FirstSignificantLook(int tests, double alpha) const {
  const double level = alpha * Spend(1) / std::max(1, tests);
  int k = 1;
  while (LookAt(k) < kNeededCap && stats::MinimumSignedRankP(LookAt(k)) >= level) ++k;
  return k;
}

double SequentialPlan::Spend(int k) {
  constexpr double kPi = 3.14159265358979323846;
  return 6 / (kPi * kPi * static_cast<double>(k) * static_cast<double>(k));
}

std::string_view DeclaredTimeMetric(std::string_view benchmark) {
  // Google Benchmark joins the name's parts with '/': ".../manual_time/threads:2".
  size_t start = 0;
  while (start <= benchmark.size()) {
    const size_t end = std::min(benchmark.find('/', start), benchmark.size());
    const std::string_view part = benchmark.substr(start, end - start);
    if (part == "real_time" || part == "manual_time") return kRealTime;
    start = end + 1;
  }
  return kCpuTime;
}

int Report::Count(Verdict v) const {
  return static_cast<int>(std::count_if(benchmarks.begin(), benchmarks.end(),
                                        [v](const BenchmarkComparison& b) { return b.verdict == v; }));
}

int Report::CountGates(GateResult::Outcome o) const {
  return static_cast<int>(std::count_if(gates.begin(), gates.end(), [o](const GateResult& g) { return g.outcome == o; }));
}

int Report::ExitCode() const {
  if (!input_errors.empty()) return 2;
  bool fail = CountGates(GateResult::Outcome::kFail) > 0 || CountGates(GateResult::Outcome::kMissing) > 0 ||
              Count(Verdict::kFailed) > 0;
  for (const BenchmarkComparison& b : benchmarks) {
    if (b.verdict == Verdict::kMissing && b.gated && !allow_absent) fail = true;
  }
  if (!advisory && Count(Verdict::kRegression) > 0) fail = true;
  if (fail_on_inconclusive && Count(Verdict::kInconclusive) > 0) fail = true;
  return fail ? 1 : 0;
}

Report CompareFiles(const BenchmarkRun& base, const BenchmarkRun& head, const GatesConfig& config,
                    const CompareOptions& options) {
  Report r = Engine(std::span(&base, 1), std::span(&head, 1), /*paired=*/false, config, options).Run();
  r.mode = Report::Mode::kFiles;
  r.base_label = base.source;
  r.head_label = head.source;
  return r;
}

Report ComparePaired(std::span<const BenchmarkRun> base_rounds, std::span<const BenchmarkRun> head_rounds,
                     const GatesConfig& config, const CompareOptions& options) {
  if (base_rounds.empty() || base_rounds.size() != head_rounds.size()) {
    Report r;
    r.mode = Report::Mode::kAb;
    r.input_errors.push_back("ab: need the same number of rounds on both sides, at least one (have " +
                             std::to_string(base_rounds.size()) + " and " + std::to_string(head_rounds.size()) + ")");
    return r;
  }
  Report r = Engine(base_rounds, head_rounds, /*paired=*/true, config, options).Run();
  r.mode = Report::Mode::kAb;
  r.rounds = static_cast<int>(std::min(base_rounds.size(), head_rounds.size()));
  return r;
}

Report CheckRun(const BenchmarkRun& run, const GatesConfig& config, const CompareOptions& options) {
  Report r;
  r.mode = Report::Mode::kCheck;
  r.head_label = run.source;
  r.benchmarks_read = static_cast<int>(run.benchmarks.size());
  r.alpha = config.alpha;
  r.confidence = config.confidence;
  r.correction = config.correction;
  r.warnings = run.warnings;
  for (const auto& kv : run.context) {
    if (kv.first.rfind("chinook_", 0) == 0) r.head_provenance.push_back(kv);
  }
  for (const Measurements& m : run.benchmarks) {
    if (!m.error.empty()) {
      BenchmarkComparison b;
      b.name = m.name;
      b.verdict = Verdict::kFailed;
      b.gated = config.IsGated(m.name);
      b.notes.push_back("failed: " + m.error);
      r.benchmarks.push_back(std::move(b));
    }
  }
  r.gates = EvaluateGates(config, std::span(&run, 1), {}, options.allow_absent);
  AddGateErrors(&r);
  return r;
}

}  // namespace chinook::compare

// Evaluation of the ratio and bound gates of gates.h on a run's rounds; the file itself is read in
// gates_file.cc.
#include "gates.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "glob.h"
#include "stats.h"

namespace chinook::compare {

namespace {

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

// " (did you mean BM_Foo?)" when a known name is close to `pattern`, else "".
std::string Suggestion(std::string_view pattern, const std::vector<std::string>& known) {
  std::string best;
  size_t best_distance = std::max<size_t>(3, pattern.size() / 4) + 1;
  for (const std::string& name : known) {
    const size_t d = EditDistance(pattern, name);
    if (d < best_distance) best_distance = d, best = name;
  }
  return best.empty() ? "" : " (did you mean " + best + "?)";
}

std::string FormatValue(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

std::string BoundText(double min, double max) {
  if (std::isfinite(min) && std::isfinite(max)) return "in [" + FormatValue(min) + ", " + FormatValue(max) + "]";
  if (std::isfinite(min)) return ">= " + FormatValue(min);
  return "<= " + FormatValue(max);
}

bool Within(double v, double min, double max) { return v >= min && v <= max; }

struct Match {
  std::string name;
  std::string captured;
};

// Benchmarks of `names` matching `pattern`.
std::vector<Match> Matches(std::string_view pattern, const std::vector<std::string>& names) {
  std::vector<Match> out;
  for (const std::string& n : names) {
    std::string captured;
    if (GlobMatch(pattern, n, &captured)) out.push_back({n, captured});
  }
  return out;
}

// The median of `metric` of benchmark `name` in one round, if it ran and reported the metric.
std::optional<double> RoundMedian(const BenchmarkRun& run, const std::string& name, const std::string& metric) {
  const Measurements* m = run.Find(name);
  if (m == nullptr || !m->ok()) return std::nullopt;
  const std::vector<double>* s = m->Find(metric);
  if (s == nullptr || s->empty()) return std::nullopt;
  return stats::Median(*s);
}

// Names present (ran, whatever the outcome) in any round, in first-seen order.
std::vector<std::string> PresentNames(std::span<const BenchmarkRun> rounds) {
  std::vector<std::string> names;
  std::set<std::string> seen;
  for (const BenchmarkRun& r : rounds) {
    for (const Measurements& m : r.benchmarks) {
      if (seen.insert(m.name).second) names.push_back(m.name);
    }
  }
  return names;
}

// Why `name` has no usable `metric` in any round: errored, skipped, or does not report it.
std::string WhyNoData(std::span<const BenchmarkRun> rounds, const std::string& name, const std::string& metric) {
  for (const BenchmarkRun& r : rounds) {
    if (const Measurements* m = r.Find(name)) {
      if (!m->error.empty()) return name + " failed: " + m->error;
      if (!m->skipped.empty()) return name + " was skipped: " + m->skipped;
    }
  }
  return name + " does not report " + metric;
}

// Outcome for a pattern that matched nothing in the run.
GateResult::Outcome AbsentOutcome(std::string_view pattern, const std::vector<std::string>& known, bool allow_absent,
                                  std::string* detail) {
  if (allow_absent) {
    *detail = std::string(pattern) + " not in this run";
    return GateResult::Outcome::kSkipped;
  }
  for (const std::string& k : known) {
    if (GlobMatch(pattern, k)) {
      *detail = std::string(pattern) + " is missing from the run (the other side has it)";
      return GateResult::Outcome::kMissing;
    }
  }
  *detail = "no benchmark matches " + std::string(pattern) + Suggestion(pattern, known);
  return GateResult::Outcome::kUnknown;
}

// The result of gate `g` (a RatioGate or a BoundGate) before it is evaluated: its id, its reason
// and `description`, the outcome and figures still to be filled in.
template <typename Gate>
GateResult ResultOf(const Gate& g, std::string description) {
  GateResult res;
  res.id = g.id;
  res.reason = g.reason;
  res.description = std::move(description);
  return res;
}

GateResult EvaluateRatio(const RatioGate& g, std::span<const BenchmarkRun> rounds,
                         const std::vector<std::string>& present, const std::vector<std::string>& known,
                         bool allow_absent) {
  GateResult res = ResultOf(g, g.numerator + " " + g.metric + " / " + g.denominator + " " + BoundText(g.min, g.max));
  const std::vector<Match> nums = Matches(g.numerator, present);
  const std::vector<Match> dens = Matches(g.denominator, present);
  if (nums.empty() || dens.empty()) {
    res.outcome = AbsentOutcome(nums.empty() ? g.numerator : g.denominator, known, allow_absent, &res.detail);
    return res;
  }
  bool any_pair = false, all_pass = true;
  double worst = 0;
  bool have_worst = false;
  for (const Match& n : nums) {
    for (const Match& d : dens) {
      if (n.captured != d.captured) continue;
      any_pair = true;
      std::vector<double> ratios;
      for (const BenchmarkRun& r : rounds) {
        const std::optional<double> a = RoundMedian(r, n.name, g.metric);
        const std::optional<double> b = RoundMedian(r, d.name, g.metric);
        if (a && b && *b != 0) ratios.push_back(*a / *b);
      }
      if (!res.detail.empty()) res.detail += "; ";
      if (ratios.empty()) {
        const bool num_ok = std::any_of(rounds.begin(), rounds.end(),
                                        [&](const BenchmarkRun& r) { return RoundMedian(r, n.name, g.metric).has_value(); });
        res.detail += WhyNoData(rounds, num_ok ? d.name : n.name, g.metric);
        res.outcome = GateResult::Outcome::kMissing;
        return res;
      }
      const double ratio = stats::Median(ratios);
      const bool pass = Within(ratio, g.min, g.max);
      all_pass = all_pass && pass;
      res.detail += n.name + " / " + d.name + " = " + FormatValue(ratio) + (pass ? "" : " (fails)");
      // Report the value furthest on the wrong side of the bound.
      const double badness = std::isfinite(g.min) ? g.min - ratio : ratio - g.max;
      if (!have_worst || badness > (std::isfinite(g.min) ? g.min - worst : worst - g.max)) {
        worst = ratio, have_worst = true;
      }
    }
  }
  if (!any_pair) {
    res.outcome = GateResult::Outcome::kUnknown;
    res.detail = "no benchmark pairs: the wildcards in " + g.numerator + " and " + g.denominator +
                 " matched different texts";
    return res;
  }
  res.value = worst;
  res.outcome = all_pass ? GateResult::Outcome::kPass : GateResult::Outcome::kFail;
  return res;
}

GateResult EvaluateBound(const BoundGate& g, std::span<const BenchmarkRun> rounds,
                         const std::vector<std::string>& present, const std::vector<std::string>& known,
                         bool allow_absent) {
  GateResult res = ResultOf(g, g.benchmark + " " + g.metric + " " + BoundText(g.min, g.max));
  const std::vector<Match> matches = Matches(g.benchmark, present);
  if (matches.empty()) {
    res.outcome = AbsentOutcome(g.benchmark, known, allow_absent, &res.detail);
    return res;
  }
  bool all_pass = true, have_worst = false;
  for (const Match& m : matches) {
    std::vector<double> pooled;
    for (const BenchmarkRun& r : rounds) {
      const Measurements* b = r.Find(m.name);
      if (b == nullptr || !b->ok()) continue;
      if (const std::vector<double>* s = b->Find(g.metric)) pooled.insert(pooled.end(), s->begin(), s->end());
    }
    if (!res.detail.empty()) res.detail += "; ";
    if (pooled.empty()) {
      res.detail += WhyNoData(rounds, m.name, g.metric);
      res.outcome = GateResult::Outcome::kMissing;
      return res;
    }
    const double v = stats::Median(pooled);
    const bool pass = Within(v, g.min, g.max);
    all_pass = all_pass && pass;
    res.detail += m.name + " = " + FormatValue(v) + (pass ? "" : " (fails)");
    const double badness = std::isfinite(g.min) ? g.min - v : v - g.max;
    const double worst_badness = std::isfinite(g.min) ? g.min - res.value : res.value - g.max;
    if (!have_worst || badness > worst_badness) res.value = v, have_worst = true;
  }
  res.outcome = all_pass ? GateResult::Outcome::kPass : GateResult::Outcome::kFail;
  return res;
}

}  // namespace

std::string_view OutcomeName(GateResult::Outcome o) {
  switch (o) {
    case GateResult::Outcome::kPass: return "pass";
    case GateResult::Outcome::kFail: return "FAIL";
    case GateResult::Outcome::kMissing: return "MISSING";
    case GateResult::Outcome::kUnknown: return "UNKNOWN";
    case GateResult::Outcome::kSkipped: return "skipped";
  }
  return "?";
}

std::vector<GateResult> EvaluateGates(const GatesConfig& config, std::span<const BenchmarkRun> rounds,
                                      const std::vector<std::string>& known, bool allow_absent) {
  const std::vector<std::string> present = PresentNames(rounds);
  std::vector<std::string> all_known = known;
  all_known.insert(all_known.end(), present.begin(), present.end());
  std::vector<GateResult> out;
  for (const RatioGate& g : config.ratios) out.push_back(EvaluateRatio(g, rounds, present, all_known, allow_absent));
  for (const BoundGate& g : config.bounds) out.push_back(EvaluateBound(g, rounds, present, all_known, allow_absent));
  return out;
}

}  // namespace chinook::compare

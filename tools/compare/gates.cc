#include "gates.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <set>

#include "stats.h"

namespace chinook::compare {

namespace {

Status ErrorAt(std::string_view source, const json::Value& at, const std::string& what) {
  return InvalidArgumentError(std::string(source) + ":" + std::to_string(at.line()) + ":" +
                              std::to_string(at.column()) + ": " + what);
}

// Field-by-field reader for one object of the gates file that rejects unknown members, so that a
// misspelt "treshold_pct" is an error rather than a silently ignored rule.
class ObjectReader {
 public:
  ObjectReader(std::string_view source, const json::Value& obj, std::string what)
      : source_(source), obj_(obj), what_(std::move(what)) {}

  Status CheckObject() const {
    if (!obj_.is_object()) return ErrorAt(source_, obj_, what_ + " must be an object");
    return Status::Ok();
  }

  Status String(std::string_view key, bool required, std::string* out) {
    seen_.insert(std::string(key));
    const json::Value* v = obj_.Find(key);
    if (v == nullptr) {
      return required ? ErrorAt(source_, obj_, what_ + ": missing \"" + std::string(key) + "\"") : Status::Ok();
    }
    if (!v->is_string() || v->as_string().empty()) {
      return ErrorAt(source_, *v, Path(key) + ": must be a non-empty string");
    }
    *out = v->as_string();
    return Status::Ok();
  }

  Status Number(std::string_view key, double* out, bool* present = nullptr) {
    seen_.insert(std::string(key));
    const json::Value* v = obj_.Find(key);
    if (present != nullptr) *present = v != nullptr;
    if (v == nullptr) return Status::Ok();
    if (!v->is_number() || !std::isfinite(v->as_number())) {
      return ErrorAt(source_, *v, Path(key) + ": must be a finite number");
    }
    *out = v->as_number();
    return Status::Ok();
  }

  Status Bool(std::string_view key, bool* out) {
    seen_.insert(std::string(key));
    const json::Value* v = obj_.Find(key);
    if (v == nullptr) return Status::Ok();
    if (!v->is_bool()) return ErrorAt(source_, *v, Path(key) + ": must be true or false");
    *out = v->as_bool();
    return Status::Ok();
  }

  // The JSON path of a member, as errors name it: "ratios[3].min".
  std::string Path(std::string_view key) const { return what_ + "." + std::string(key); }

  // Marks `key` as a known member read elsewhere.
  void Allow(std::string_view key) { seen_.insert(std::string(key)); }

  // Call last: any member not read above is a mistake in the file.
  Status NoOthers() const {
    for (const auto& [key, value] : obj_.members()) {
      if (seen_.count(key) == 0) return ErrorAt(source_, value, what_ + ": unknown member \"" + key + "\"");
    }
    return Status::Ok();
  }

 private:
  std::string_view source_;
  const json::Value& obj_;
  std::string what_;
  std::set<std::string> seen_;
};

Status ReadBounds(ObjectReader& r, const json::Value& at, std::string_view source, const std::string& what,
                  double* min, double* max) {
  bool has_min = false, has_max = false;
  CHINOOK_RETURN_IF_ERROR(r.Number("min", min, &has_min));
  CHINOOK_RETURN_IF_ERROR(r.Number("max", max, &has_max));
  if (!has_min && !has_max) return ErrorAt(source, at, what + ": needs \"min\" or \"max\"");
  if (has_min && has_max && *min > *max) return ErrorAt(source, at, what + ": \"min\" is above \"max\"");
  return Status::Ok();
}

Status ReadThreshold(ObjectReader& r, const json::Value& at, std::string_view source, const std::string& what,
                     double* out) {
  double pct = *out * 100;
  bool present = false;
  CHINOOK_RETURN_IF_ERROR(r.Number("threshold_pct", &pct, &present));
  if (present && (pct < 0 || pct > 10000)) {
    return ErrorAt(source, at, what + ": \"threshold_pct\" must be between 0 and 10000");
  }
  *out = pct / 100;
  return Status::Ok();
}

Status ParseDefaults(const json::Value& v, std::string_view source, GatesConfig* c) {
  ObjectReader r(source, v, "defaults");
  CHINOOK_RETURN_IF_ERROR(r.CheckObject());
  CHINOOK_RETURN_IF_ERROR(ReadThreshold(r, v, source, "defaults", &c->threshold));
  CHINOOK_RETURN_IF_ERROR(r.Number("alpha", &c->alpha));
  if (!(c->alpha > 0 && c->alpha < 1)) return ErrorAt(source, v, "defaults: \"alpha\" must be in (0, 1)");
  CHINOOK_RETURN_IF_ERROR(r.Number("confidence", &c->confidence));
  if (!(c->confidence > 0 && c->confidence < 1)) {
    return ErrorAt(source, v, "defaults: \"confidence\" must be in (0, 1)");
  }
  std::string correction;
  CHINOOK_RETURN_IF_ERROR(r.String("correction", false, &correction));
  if (!correction.empty()) {
    if (correction == "holm") {
      c->correction = Correction::kHolm;
    } else if (correction == "bh") {
      c->correction = Correction::kBenjaminiHochberg;
    } else if (correction == "none") {
      c->correction = Correction::kNone;
    } else {
      return ErrorAt(source, *v.Find("correction"), "defaults: \"correction\" must be \"holm\", \"bh\" or \"none\"");
    }
  }
  return r.NoOthers();
}

Status ParseMetricRule(const json::Value& v, std::string_view source, const std::string& what, MetricRule* rule) {
  ObjectReader r(source, v, what);
  CHINOOK_RETURN_IF_ERROR(r.CheckObject());
  CHINOOK_RETURN_IF_ERROR(r.String("pattern", true, &rule->pattern));
  CHINOOK_RETURN_IF_ERROR(r.String("reason", true, &rule->reason));
  std::string better;
  CHINOOK_RETURN_IF_ERROR(r.String("better", false, &better));
  if (better == "lower") {
    rule->direction = Direction::kLowerIsBetter;
  } else if (better == "higher") {
    rule->direction = Direction::kHigherIsBetter;
  } else if (!better.empty()) {
    return ErrorAt(source, *v.Find("better"), what + ": \"better\" must be \"lower\" or \"higher\"");
  }
  CHINOOK_RETURN_IF_ERROR(r.Bool("exact", &rule->exact));
  rule->verdict = rule->direction != Direction::kUnknown;  // a known direction judges by default
  CHINOOK_RETURN_IF_ERROR(r.Bool("verdict", &rule->verdict));
  if ((rule->verdict || rule->exact) && rule->direction == Direction::kUnknown) {
    return ErrorAt(source, v, what + ": a verdict-bearing or exact metric needs \"better\"");
  }
  bool has_tolerance = false, has_slack = false;
  CHINOOK_RETURN_IF_ERROR(r.Number("tolerance", &rule->tolerance, &has_tolerance));
  CHINOOK_RETURN_IF_ERROR(r.Number("slack", &rule->slack, &has_slack));
  if ((has_tolerance || has_slack) && !rule->exact) {
    return ErrorAt(source, v, what + ": \"tolerance\" and \"slack\" apply to exact metrics only");
  }
  if (rule->tolerance < 0 || rule->slack < 0) {
    return ErrorAt(source, v, what + ": \"tolerance\" and \"slack\" must not be negative");
  }
  return r.NoOthers();
}

template <typename T, typename F>
Status ParseList(const json::Value& doc, std::string_view key, std::string_view source, std::vector<T>* out,
                 F parse_one) {
  const json::Value* list = doc.Find(key);
  if (list == nullptr) return Status::Ok();
  if (!list->is_array()) return ErrorAt(source, *list, "\"" + std::string(key) + "\" must be an array");
  for (size_t i = 0; i < list->items().size(); ++i) {
    T item;
    CHINOOK_RETURN_IF_ERROR(parse_one(list->items()[i], std::string(key) + "[" + std::to_string(i) + "]", &item));
    out->push_back(std::move(item));
  }
  return Status::Ok();
}

// The built-in rules, in match order (see gates.h).
const std::vector<MetricRule>& BuiltinRules() {
  static const std::vector<MetricRule> rules = {
      {"real_time", Direction::kLowerIsBetter, false, true, "time per iteration"},
      {"cpu_time", Direction::kLowerIsBetter, false, true, "CPU time per iteration"},
      // Exact counts. Tolerances: a hundredth of an allocation (or one byte) per iteration is
      // rounding; two allocations (4 KiB) per run is the one-off jitter of lazy initialisation.
      {"allocs_per_op", Direction::kLowerIsBetter, true, true, "allocation calls are counted, not sampled", 0.01, 2},
      {"allocs_per_iter", Direction::kLowerIsBetter, true, true, "allocation calls are counted, not sampled", 0.01, 2},
      {"bytes_per_op", Direction::kLowerIsBetter, true, true, "bytes allocated are counted, not sampled", 1, 4096},
      {"*_per_op", Direction::kLowerIsBetter, false, true, "cost per operation"},
      {"hit_rate", Direction::kHigherIsBetter, false, true, "share of requests served"},
      {"*_hit_rate", Direction::kHigherIsBetter, false, true, "share of requests served"},
      {"*_per_second", Direction::kHigherIsBetter, false, false, "a rate derived from the time"},
      {"max_bytes_used", Direction::kLowerIsBetter, false, false, "memory footprint"},
      {"total_allocated_bytes", Direction::kLowerIsBetter, false, false, "memory traffic"},
      {"net_heap_growth", Direction::kLowerIsBetter, false, false, "memory retained"},
  };
  return rules;
}

bool MatchFrom(std::string_view p, size_t pi, std::string_view t, size_t ti, std::vector<std::string_view>* caps) {
  while (pi < p.size() && p[pi] != '*' && p[pi] != '?') {
    if (ti >= t.size() || p[pi] != t[ti]) return false;
    ++pi, ++ti;
  }
  if (pi == p.size()) return ti == t.size();
  if (p[pi] == '?') {
    if (ti >= t.size()) return false;
    caps->push_back(t.substr(ti, 1));
    if (MatchFrom(p, pi + 1, t, ti + 1, caps)) return true;
    caps->pop_back();
    return false;
  }
  for (size_t k = ti; k <= t.size(); ++k) {  // '*': shortest first, so captures are leftmost-minimal
    caps->push_back(t.substr(ti, k - ti));
    if (MatchFrom(p, pi + 1, t, k, caps)) return true;
    caps->pop_back();
  }
  return false;
}

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

GateResult EvaluateRatio(const RatioGate& g, std::span<const BenchmarkRun> rounds,
                         const std::vector<std::string>& present, const std::vector<std::string>& known,
                         bool allow_absent) {
  GateResult res;
  res.id = g.id;
  res.reason = g.reason;
  res.description = g.numerator + " " + g.metric + " / " + g.denominator + " " + BoundText(g.min, g.max);
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
  GateResult res;
  res.id = g.id;
  res.reason = g.reason;
  res.description = g.benchmark + " " + g.metric + " " + BoundText(g.min, g.max);
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

std::string_view CorrectionName(Correction c) {
  switch (c) {
    case Correction::kHolm: return "Holm";
    case Correction::kBenjaminiHochberg: return "Benjamini-Hochberg";
    case Correction::kNone: return "none";
  }
  return "?";
}

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

bool GlobMatch(std::string_view pattern, std::string_view text, std::string* captured) {
  std::vector<std::string_view> caps;
  if (!MatchFrom(pattern, 0, text, 0, &caps)) return false;
  if (captured != nullptr) {
    captured->clear();
    for (size_t i = 0; i < caps.size(); ++i) {
      if (i > 0) captured->push_back('\x1f');
      captured->append(caps[i]);
    }
  }
  return true;
}

MetricRule GatesConfig::RuleFor(std::string_view metric) const {
  for (const MetricRule& r : metrics) {
    if (GlobMatch(r.pattern, metric)) return r;
  }
  for (const MetricRule& r : BuiltinRules()) {
    if (GlobMatch(r.pattern, metric)) return r;
  }
  return MetricRule{std::string(metric), Direction::kUnknown, false, false, "no rule: shown only"};
}

double GatesConfig::ThresholdFor(std::string_view benchmark, std::string_view metric) const {
  for (const ThresholdRule& t : thresholds) {
    if (GlobMatch(t.benchmark, benchmark) && GlobMatch(t.metric, metric)) return t.threshold;
  }
  return threshold;
}

bool GatesConfig::IsGated(std::string_view benchmark) const {
  for (const RatioGate& g : ratios) {
    if (GlobMatch(g.numerator, benchmark) || GlobMatch(g.denominator, benchmark)) return true;
  }
  for (const BoundGate& g : bounds) {
    if (GlobMatch(g.benchmark, benchmark)) return true;
  }
  return false;
}

Result<GatesConfig> ParseGates(const json::Value& doc, std::string_view source) {
  GatesConfig c;
  c.source = std::string(source);
  ObjectReader top(source, doc, "gates file");
  CHINOOK_RETURN_IF_ERROR(top.CheckObject());
  double version = 1;
  CHINOOK_RETURN_IF_ERROR(top.Number("version", &version));
  if (version != 1) return ErrorAt(source, *doc.Find("version"), "unsupported gates file version (expected 1)");
  std::string description;  // free text for humans
  CHINOOK_RETURN_IF_ERROR(top.String("description", false, &description));
  for (const char* section : {"defaults", "metrics", "ratios", "bounds", "thresholds"}) top.Allow(section);
  CHINOOK_RETURN_IF_ERROR(top.NoOthers());
  if (const json::Value* d = doc.Find("defaults")) CHINOOK_RETURN_IF_ERROR(ParseDefaults(*d, source, &c));

  CHINOOK_RETURN_IF_ERROR(ParseList(doc, "metrics", source, &c.metrics,
                                    [&](const json::Value& v, const std::string& what, MetricRule* out) {
                                      return ParseMetricRule(v, source, what, out);
                                    }));
  std::set<std::string> ids;
  const auto unique_id = [&](const json::Value& v, const std::string& what, std::string* id) -> Status {
    if (!ids.insert(*id).second) return ErrorAt(source, v, what + ": duplicate id \"" + *id + "\"");
    return Status::Ok();
  };
  CHINOOK_RETURN_IF_ERROR(ParseList(doc, "ratios", source, &c.ratios,
                                    [&](const json::Value& v, const std::string& what, RatioGate* g) -> Status {
                                      ObjectReader r(source, v, what);
                                      CHINOOK_RETURN_IF_ERROR(r.CheckObject());
                                      CHINOOK_RETURN_IF_ERROR(r.String("id", true, &g->id));
                                      CHINOOK_RETURN_IF_ERROR(r.String("numerator", true, &g->numerator));
                                      CHINOOK_RETURN_IF_ERROR(r.String("denominator", true, &g->denominator));
                                      CHINOOK_RETURN_IF_ERROR(r.String("metric", true, &g->metric));
                                      CHINOOK_RETURN_IF_ERROR(r.String("reason", true, &g->reason));
                                      CHINOOK_RETURN_IF_ERROR(ReadBounds(r, v, source, what, &g->min, &g->max));
                                      CHINOOK_RETURN_IF_ERROR(r.NoOthers());
                                      return unique_id(v, what, &g->id);
                                    }));
  CHINOOK_RETURN_IF_ERROR(ParseList(doc, "bounds", source, &c.bounds,
                                    [&](const json::Value& v, const std::string& what, BoundGate* g) -> Status {
                                      ObjectReader r(source, v, what);
                                      CHINOOK_RETURN_IF_ERROR(r.CheckObject());
                                      CHINOOK_RETURN_IF_ERROR(r.String("id", true, &g->id));
                                      CHINOOK_RETURN_IF_ERROR(r.String("benchmark", true, &g->benchmark));
                                      CHINOOK_RETURN_IF_ERROR(r.String("metric", true, &g->metric));
                                      CHINOOK_RETURN_IF_ERROR(r.String("reason", true, &g->reason));
                                      CHINOOK_RETURN_IF_ERROR(ReadBounds(r, v, source, what, &g->min, &g->max));
                                      CHINOOK_RETURN_IF_ERROR(r.NoOthers());
                                      return unique_id(v, what, &g->id);
                                    }));
  CHINOOK_RETURN_IF_ERROR(ParseList(doc, "thresholds", source, &c.thresholds,
                                    [&](const json::Value& v, const std::string& what, ThresholdRule* t) -> Status {
                                      ObjectReader r(source, v, what);
                                      CHINOOK_RETURN_IF_ERROR(r.CheckObject());
                                      CHINOOK_RETURN_IF_ERROR(r.String("benchmark", true, &t->benchmark));
                                      CHINOOK_RETURN_IF_ERROR(r.String("metric", false, &t->metric));
                                      CHINOOK_RETURN_IF_ERROR(r.String("reason", true, &t->reason));
                                      t->threshold = -1;
                                      CHINOOK_RETURN_IF_ERROR(ReadThreshold(r, v, source, what, &t->threshold));
                                      if (t->threshold < 0) return ErrorAt(source, v, what + ": missing \"threshold_pct\"");
                                      return r.NoOthers();
                                    }));
  return c;
}

Result<GatesConfig> LoadGates(const std::string& path) {
  CHINOOK_ASSIGN_OR_RETURN(auto doc, json::ParseFile(path));
  return ParseGates(doc, path);
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

// The gates file (gates.h): reading and validating the JSON into a GatesConfig, the built-in
// metric rules, and the config's lookups (which rule, which threshold, whether a benchmark is gated).
#include "gates.h"

#include <cmath>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "glob.h"
#include "json.h"

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

}  // namespace

std::string_view CorrectionName(Correction c) {
  switch (c) {
    case Correction::kHolm: return "Holm";
    case Correction::kBenjaminiHochberg: return "Benjamini-Hochberg";
    case Correction::kNone: return "none";
  }
  return "?";
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
  // What ratio and bound gates share: an object, a unique id, the metric, the reason and the
  // bounds. `read_names` reads the gate's own benchmark fields, after the id (the order the errors
  // come in).
  const auto read_gate = [&](const json::Value& v, const std::string& what, auto* g, const auto& read_names) -> Status {
    ObjectReader r(source, v, what);
    CHINOOK_RETURN_IF_ERROR(r.CheckObject());
    CHINOOK_RETURN_IF_ERROR(r.String("id", true, &g->id));
    CHINOOK_RETURN_IF_ERROR(read_names(r));
    CHINOOK_RETURN_IF_ERROR(r.String("metric", true, &g->metric));
    CHINOOK_RETURN_IF_ERROR(r.String("reason", true, &g->reason));
    CHINOOK_RETURN_IF_ERROR(ReadBounds(r, v, source, what, &g->min, &g->max));
    CHINOOK_RETURN_IF_ERROR(r.NoOthers());
    return unique_id(v, what, &g->id);
  };
  CHINOOK_RETURN_IF_ERROR(ParseList(doc, "ratios", source, &c.ratios,
                                    [&](const json::Value& v, const std::string& what, RatioGate* g) {
                                      return read_gate(v, what, g, [&](ObjectReader& r) -> Status {
                                        CHINOOK_RETURN_IF_ERROR(r.String("numerator", true, &g->numerator));
                                        return r.String("denominator", true, &g->denominator);
                                      });
                                    }));
  CHINOOK_RETURN_IF_ERROR(ParseList(doc, "bounds", source, &c.bounds,
                                    [&](const json::Value& v, const std::string& what, BoundGate* g) {
                                      return read_gate(v, what, g, [&](ObjectReader& r) {
                                        return r.String("benchmark", true, &g->benchmark);
                                      });
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

}  // namespace chinook::compare

// JSON, with every figure, for machines.
#include "report_internal.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>

namespace chinook::compare::report_internal {

json::Value Num(double d) { return std::isfinite(d) ? json::Value::Number(d) : json::Value(); }

json::Value Pairs(const std::vector<std::pair<std::string, std::string>>& kv) {
  std::vector<json::Value::Member> m;
  for (const auto& [k, v] : kv) m.emplace_back(k, json::Value::String(v));
  return json::Value::Object(std::move(m));
}

json::Value Strings(const std::vector<std::string>& v) {
  std::vector<json::Value> items;
  for (const std::string& s : v) items.push_back(json::Value::String(s));
  return json::Value::Array(std::move(items));
}

std::string_view DirectionName(Direction d) {
  switch (d) {
    case Direction::kLowerIsBetter: return "lower";
    case Direction::kHigherIsBetter: return "higher";
    case Direction::kUnknown: return "unknown";
  }
  return "unknown";
}

std::string RenderJson(const Report& r) {
  using json::Value;
  std::vector<Value> benchmarks;
  for (const BenchmarkComparison& b : r.benchmarks) {
    std::vector<Value> metrics;
    for (const MetricComparison& c : b.metrics) {
      metrics.push_back(Value::Object({
          {"metric", Value::String(c.metric)},
          {"better", Value::String(std::string(DirectionName(c.rule.direction)))},
          {"exact_metric", Value::Bool(c.rule.exact)},
          {"judged", Value::Bool(c.judged)},
          {"n_base", Value::Number(c.n_base)},
          {"n_head", Value::Number(c.n_head)},
          {"base_median", Num(c.base_median)},
          {"head_median", Num(c.head_median)},
          {"change", Num(c.change)},
          {"ci_low", Num(c.ci_low)},
          {"ci_high", Num(c.ci_high)},
          {"ci_level", Num(c.ci_level)},
          {"p_value", Num(c.p_value)},
          {"p_adjusted", Num(c.p_adjusted)},
          {"exact_test", Value::Bool(c.exact_test)},
          {"threshold", Num(c.threshold)},
          {"verdict", Value::String(std::string(VerdictName(c.verdict)))},
          {"needed", Value::Number(c.needed)},
          {"mde", Num(c.mde)},
          {"look", Value::Number(c.look)},
          {"note", Value::String(c.note)},
      }));
    }
    benchmarks.push_back(Value::Object({
        {"name", Value::String(b.name)},
        {"verdict", Value::String(std::string(VerdictName(b.verdict)))},
        {"gated", Value::Bool(b.gated)},
        {"needed", Value::Number(b.needed)},
        {"notes", Strings(b.notes)},
        {"metrics", Value::Array(std::move(metrics))},
    }));
  }
  std::vector<Value> geomeans;
  for (const GeoMean& g : r.geomeans) {
    geomeans.push_back(Value::Object({{"metric", Value::String(g.metric)},
                                      {"benchmarks", Value::Number(g.benchmarks)},
                                      {"change", Num(g.change)},
                                      {"ci_low", Num(g.ci_low)},
                                      {"ci_high", Num(g.ci_high)}}));
  }
  std::vector<Value> gates;
  for (const GateResult& g : r.gates) {
    gates.push_back(Value::Object({{"id", Value::String(g.id)},
                                   {"description", Value::String(g.description)},
                                   {"reason", Value::String(g.reason)},
                                   {"outcome", Value::String(std::string(OutcomeName(g.outcome)))},
                                   {"value", Measured(g) ? Num(g.value) : json::Value()},
                                   {"detail", Value::String(g.detail)}}));
  }
  std::vector<Value> context;
  for (const ContextWarning& w : r.context_warnings) {
    context.push_back(Value::Object({{"voids", Value::Bool(w.voids)}, {"message", Value::String(w.message)}}));
  }
  std::vector<Value::Member> summary;
  for (Verdict v : {Verdict::kRegression, Verdict::kImprovement, Verdict::kUnchanged, Verdict::kInconclusive,
                    Verdict::kNew, Verdict::kMissing, Verdict::kFailed, Verdict::kSkipped}) {
    summary.emplace_back(std::string(VerdictName(v)), Value::Number(r.Count(v)));
  }
  const char* mode = r.mode == Report::Mode::kAb ? "ab" : r.mode == Report::Mode::kCheck ? "check" : "files";
  Value doc = Value::Object({
      {"tool", Value::String("chinook-compare")},
      {"mode", Value::String(mode)},
      {"base", Value::String(r.base_label)},
      {"head", Value::String(r.head_label)},
      {"rounds", Value::Number(r.rounds)},
      {"seconds", Num(r.seconds)},
      {"budget_seconds", Num(r.budget_seconds)},
      {"budget_exhausted", Value::Bool(r.budget_exhausted)},
      {"alpha", Num(r.alpha)},
      {"confidence", Num(r.confidence)},
      {"correction", Value::String(std::string(CorrectionName(r.correction)))},
      {"tests", Value::Number(r.tests)},
      {"advisory", Value::Bool(r.advisory)},
      {"exit_code", Value::Number(r.ExitCode())},
      {"summary", Value::Object(std::move(summary))},
      {"input_errors", Strings(r.input_errors)},
      {"context_warnings", Value::Array(std::move(context))},
      {"warnings", Strings(r.warnings)},
      {"provenance", Value::Object({{"base", Pairs(r.base_provenance)}, {"head", Pairs(r.head_provenance)}})},
      {"benchmarks", Value::Array(std::move(benchmarks))},
      {"geomeans", Value::Array(std::move(geomeans))},
      {"gates", Value::Array(std::move(gates))},
  });
  return json::Write(doc);
}

}  // namespace chinook::compare::report_internal

#include "gbench.h"

#include <climits>

#include <algorithm>
#include <cmath>
#include <set>

namespace chinook::compare {

namespace {

// A count field (threads, repetitions) as an int; false for NaN, fractions, and values outside
// [1, INT_MAX] (converting those to int would be undefined behaviour: found by fuzzing).
bool AsCount(double v, int* out) {
  if (!(v >= 1 && v <= static_cast<double>(INT_MAX)) || v != std::floor(v)) return false;
  *out = static_cast<int>(v);
  return true;
}

// Members of a benchmark entry that describe it rather than measure it. Every other numeric
// member is a metric: real_time, cpu_time, user counters and the memory fields.
const std::set<std::string, std::less<>>& DescriptiveKeys() {
  static const std::set<std::string, std::less<>> keys = {
      "name", "family_index", "per_family_instance_index", "run_name", "run_type", "repetitions",
      "repetition_index", "threads", "aggregate_name", "aggregate_unit", "error_occurred",
      "error_message", "skipped", "skip_message", "iterations", "time_unit", "label", "big_o",
      "cpu_coefficient", "real_coefficient", "rms", "complexity_n", "memory_iterations"};
  return keys;
}

// Nanoseconds per `unit`, or 0 when the unit is unknown.
double NanosPerUnit(std::string_view unit) {
  if (unit == "ns") return 1;
  if (unit == "us") return 1e3;
  if (unit == "ms") return 1e6;
  if (unit == "s") return 1e9;
  return 0;
}

std::string ScalarText(const json::Value& v) {
  switch (v.type()) {
    case json::Value::Type::kString: return v.as_string();
    case json::Value::Type::kNumber: return json::FormatNumber(v.as_number());
    case json::Value::Type::kBool: return v.as_bool() ? "true" : "false";
    default: return "";
  }
}

// Suffixes older libraries (no run_type / run_name) append to aggregate entries' names.
constexpr std::string_view kAggregateSuffixes[] = {"_mean", "_median", "_stddev", "_cv"};
constexpr std::string_view kComplexitySuffixes[] = {"_BigO", "_RMS"};

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

struct Aggregates {
  // aggregate name ("median", "mean", ...) -> metric -> value (times in ns)
  std::map<std::string, std::map<std::string, double>> values;
  std::vector<std::string> metric_order;
};

class Reader {
 public:
  explicit Reader(std::string_view source) { run_.source = std::string(source); }

  Result<BenchmarkRun> Read(const json::Value& doc) {
    if (!doc.is_object()) return Error(doc, "expected a JSON object with \"context\" and \"benchmarks\"");
    if (const json::Value* context = doc.Find("context")) {
      for (const auto& [key, value] : context->members()) {
        if (value.is_string() || value.is_number() || value.is_bool()) run_.context.emplace_back(key, ScalarText(value));
      }
    }
    const json::Value* list = doc.Find("benchmarks");
    if (list == nullptr) return Error(doc, "no \"benchmarks\" array: not Google Benchmark JSON output");
    if (!list->is_array()) return Error(*list, "\"benchmarks\" is not an array");
    for (size_t i = 0; i < list->items().size(); ++i) {
      CHINOOK_RETURN_IF_ERROR(ReadEntry(list->items()[i], i));
    }
    Finish();
    if (run_.benchmarks.empty()) run_.warnings.push_back(run_.source + ": no benchmarks in the file");
    return std::move(run_);
  }

 private:
  Status Error(const json::Value& at, const std::string& what) const {
    return InvalidArgumentError(run_.source + ":" + std::to_string(at.line()) + ":" + std::to_string(at.column()) +
                                ": " + what);
  }

  Measurements& Get(const std::string& name, int line) {
    auto it = index_.find(name);
    if (it != index_.end()) return run_.benchmarks[it->second];
    index_.emplace(name, run_.benchmarks.size());
    Measurements m;
    m.name = name;
    m.first_line = line;
    run_.benchmarks.push_back(std::move(m));
    return run_.benchmarks.back();
  }

  Status ReadEntry(const json::Value& e, size_t index) {
    const std::string where = "benchmark entry " + std::to_string(index + 1);
    if (!e.is_object()) return Error(e, where + ": expected an object");
    const json::Value* name_v = e.Find("name");
    if (name_v == nullptr || !name_v->is_string()) return Error(e, where + ": missing \"name\" string");
    const std::string& name = name_v->as_string();
    const json::Value* run_name_v = e.Find("run_name");
    const json::Value* run_type_v = e.Find("run_type");
    const json::Value* aggregate_v = e.Find("aggregate_name");
    std::string run_name = run_name_v != nullptr && run_name_v->is_string() ? run_name_v->as_string() : name;
    std::string aggregate = aggregate_v != nullptr && aggregate_v->is_string() ? aggregate_v->as_string() : "";
    bool is_aggregate = run_type_v != nullptr && run_type_v->is_string() ? run_type_v->as_string() == "aggregate"
                                                                           : !aggregate.empty();
    // An aggregate with no name (hand-made files) is taken as a mean: one summary value.
    if (is_aggregate && aggregate.empty()) aggregate = "mean";
    if (e.Find("big_o") != nullptr || e.Find("rms") != nullptr || aggregate == "BigO" || aggregate == "RMS") {
      return Status::Ok();  // complexity fits: coefficients and errors, not times
    }
    if (run_type_v == nullptr && run_name_v == nullptr) {
      // Libraries before run_type: aggregates and fits are recognisable only by their suffix.
      for (std::string_view s : kComplexitySuffixes) {
        if (EndsWith(name, s)) return Status::Ok();
      }
      for (std::string_view s : kAggregateSuffixes) {
        if (EndsWith(name, s)) {
          is_aggregate = true;
          if (aggregate.empty()) aggregate = std::string(s.substr(1));
          run_name = name.substr(0, name.size() - s.size());
        }
      }
    }
    const std::string label = where + " (" + name + ")";

    double time_scale = 1;
    if (const json::Value* unit = e.Find("time_unit")) {
      if (!unit->is_string()) return Error(*unit, label + ": \"time_unit\" is not a string");
      time_scale = NanosPerUnit(unit->as_string());
      if (time_scale == 0) return Error(*unit, label + ": unknown time_unit \"" + unit->as_string() + "\"");
    } else if (e.Find(kRealTime) != nullptr || e.Find(kCpuTime) != nullptr) {
      run_.warnings.push_back(run_.source + ": " + label + ": no time_unit; assuming ns");
    }

    Measurements& m = Get(run_name, e.line());
    if (const json::Value* t = e.Find("threads"); t != nullptr && t->is_number()) {
      if (!AsCount(t->as_number(), &m.threads)) return Error(*t, label + ": \"threads\" is not a whole number in [1, 2^31)");
    }
    if (const json::Value* r = e.Find("repetitions"); r != nullptr && r->is_number()) {
      if (!AsCount(r->as_number(), &m.repetitions)) {
        return Error(*r, label + ": \"repetitions\" is not a whole number in [1, 2^31)");
      }
    }

    const json::Value* error = e.Find("error_occurred");
    if (error != nullptr && error->is_bool() && error->as_bool()) {
      const json::Value* msg = e.Find("error_message");
      ++errors_[run_name];
      if (error_messages_[run_name].empty()) {
        error_messages_[run_name] = msg != nullptr && msg->is_string() ? msg->as_string() : "error_occurred";
      }
      return Status::Ok();
    }
    const json::Value* skipped = e.Find("skipped");
    if (skipped != nullptr && skipped->is_bool() && skipped->as_bool()) {
      const json::Value* msg = e.Find("skip_message");
      m.skipped = msg != nullptr && msg->is_string() && !msg->as_string().empty() ? msg->as_string() : "skipped";
      return Status::Ok();
    }

    const json::Value* unit_v = e.Find("aggregate_unit");
    const bool percentage = (unit_v != nullptr && unit_v->is_string() && unit_v->as_string() == "percentage") ||
                            (unit_v == nullptr && aggregate == "cv");
    Aggregates* agg = nullptr;
    if (is_aggregate) agg = &aggregates_[run_name];
    for (const auto& [key, value] : e.members()) {
      if (!value.is_number() || DescriptiveKeys().count(key) != 0) continue;
      const bool is_time = key == kRealTime || key == kCpuTime;
      double v = value.as_number();
      if (is_time && !(is_aggregate && percentage)) v *= time_scale;
      if (agg != nullptr) {
        if (percentage) {
          if (aggregate == "cv") m.cv[key] = v;  // other percentage statistics are not kept
        } else {
          if (agg->values[aggregate].emplace(key, v).second &&
              std::find(agg->metric_order.begin(), agg->metric_order.end(), key) == agg->metric_order.end()) {
            agg->metric_order.push_back(key);
          }
        }
        continue;
      }
      if (!std::isfinite(v)) {
        ++non_finite_[run_name + "\t" + key];
        continue;
      }
      auto [it, inserted] = m.samples.try_emplace(key);
      if (inserted) m.metric_order.push_back(key);
      it->second.push_back(v);
    }
    if (!is_aggregate) {
      ++iteration_entries_[run_name];
      if (const json::Value* it = e.Find("iterations"); it != nullptr && it->is_number() && it->as_number() > 0) {
        m.iterations.push_back(it->as_number());
      }
    }
    return Status::Ok();
  }

  // Resolves what only the whole file tells: aggregates-only benchmarks, errors, dropped values.
  void Finish() {
    for (Measurements& m : run_.benchmarks) {
      const int good = iteration_entries_[m.name];
      const int bad = errors_[m.name];
      if (bad > 0 && good == 0) {
        m.samples.clear();
        m.metric_order.clear();
        m.error = error_messages_[m.name];
        continue;
      }
      if (bad > 0) {
        run_.warnings.push_back(run_.source + ": " + m.name + ": " + std::to_string(bad) + " of " +
                                std::to_string(bad + good) + " repetitions failed (" + error_messages_[m.name] +
                                "); using the others");
      }
      if (good == 0 && m.skipped.empty()) {
        auto it = aggregates_.find(m.name);
        if (it == aggregates_.end()) continue;
        const auto& by_name = it->second.values;
        auto pick = by_name.find("median");
        if (pick == by_name.end()) pick = by_name.find("mean");
        if (pick == by_name.end()) {
          run_.warnings.push_back(run_.source + ": " + m.name + ": only aggregates other than mean/median; not compared");
          continue;
        }
        m.from_aggregates = true;
        for (const std::string& metric : it->second.metric_order) {
          auto v = pick->second.find(metric);
          if (v == pick->second.end() || !std::isfinite(v->second)) continue;
          m.samples[metric].push_back(v->second);
          m.metric_order.push_back(metric);
        }
      }
    }
    for (const auto& [key, count] : non_finite_) {
      const size_t tab = key.find('\t');
      run_.warnings.push_back(run_.source + ": " + key.substr(0, tab) + ": " + std::to_string(count) + " " +
                              key.substr(tab + 1) + " value(s) are NaN or infinite; left out");
    }
  }

  BenchmarkRun run_;
  std::map<std::string, size_t> index_;
  std::map<std::string, Aggregates> aggregates_;
  std::map<std::string, int> iteration_entries_;
  std::map<std::string, int> errors_;
  std::map<std::string, std::string> error_messages_;
  std::map<std::string, int> non_finite_;
};

}  // namespace

const std::vector<double>* Measurements::Find(std::string_view metric) const {
  auto it = samples.find(metric);
  return it == samples.end() ? nullptr : &it->second;
}

const Measurements* BenchmarkRun::Find(std::string_view name) const {
  for (const Measurements& m : benchmarks) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

Measurements* BenchmarkRun::Find(std::string_view name) {
  return const_cast<Measurements*>(static_cast<const BenchmarkRun*>(this)->Find(name));
}

std::string BenchmarkRun::ContextValue(std::string_view key) const {
  for (const auto& [k, v] : context) {
    if (k == key) return v;
  }
  return "";
}

Result<BenchmarkRun> ReadBenchmarkJson(std::string_view text, std::string_view source) {
  Result<json::Value> doc = json::Parse(text, source);
  if (!doc.ok()) return doc.status();
  return Reader(source).Read(*doc);
}

Result<BenchmarkRun> ReadBenchmarkFile(const std::string& path) {
  Result<json::Value> doc = json::ParseFile(path);
  if (!doc.ok()) return doc.status();
  return Reader(path).Read(*doc);
}

void MergeRuns(const BenchmarkRun& more, BenchmarkRun* into) {
  if (into->benchmarks.empty() && into->context.empty()) into->context = more.context;
  for (const Measurements& m : more.benchmarks) {
    Measurements* existing = into->Find(m.name);
    if (existing == nullptr) {
      into->benchmarks.push_back(m);
      continue;
    }
    for (const std::string& metric : m.metric_order) {
      auto [it, inserted] = existing->samples.try_emplace(metric);
      if (inserted) existing->metric_order.push_back(metric);
      const std::vector<double>& add = m.samples.at(metric);
      it->second.insert(it->second.end(), add.begin(), add.end());
    }
    existing->iterations.insert(existing->iterations.end(), m.iterations.begin(), m.iterations.end());
    if (existing->error.empty()) existing->error = m.error;
    if (existing->skipped.empty()) existing->skipped = m.skipped;
    existing->from_aggregates = existing->from_aggregates || m.from_aggregates;
  }
  into->warnings.insert(into->warnings.end(), more.warnings.begin(), more.warnings.end());
}

std::vector<ContextWarning> CompareContexts(const BenchmarkRun& base, const BenchmarkRun& head, bool check_dates) {
  std::vector<ContextWarning> out;
  const auto side = [](const BenchmarkRun& r) { return r.source; };
  // Debian's libbenchmark reports itself as a debug build; the timed loop is inlined into the
  // benchmark program, so that only voids a comparison when the two sides differ.
  const std::string lib_a = base.ContextValue("library_build_type"), lib_b = head.ContextValue("library_build_type");
  if (!lib_a.empty() && !lib_b.empty() && lib_a != lib_b) {
    out.push_back({true, "Google Benchmark library build types differ: " + lib_a + " vs " + lib_b});
  }
  for (const BenchmarkRun* r : {&base, &head}) {
    for (const char* key : {"chinook_build_type", "build_type"}) {
      const std::string v = r->ContextValue(key);
      if (!v.empty() && v != "Release" && v != "release" && v != "RelWithDebInfo") {
        out.push_back({true, side(*r) + ": code built as " + v + ", not an optimised build"});
      }
    }
    if (r->ContextValue("cpu_scaling_enabled") == "true") {
      out.push_back({false, side(*r) + ": CPU frequency scaling was enabled: expect extra noise and drift"});
    }
  }
  const auto differs = [&](const char* key, bool voids, const std::string& what) {
    const std::string a = base.ContextValue(key), b = head.ContextValue(key);
    if (!a.empty() && !b.empty() && a != b) out.push_back({voids, what + " differ: " + a + " vs " + b});
  };
  differs("host_name", true, "hosts");
  differs("num_cpus", true, "CPU counts");
  differs("allocator", true, "allocators");
  differs("chinook_cpu_model", true, "CPU models");
  differs("library_version", false, "Google Benchmark versions");
  differs("chinook_compiler", false, "compilers");
  differs("chinook_libraries", false, "library and server versions");
  const std::string mhz_a = base.ContextValue("mhz_per_cpu"), mhz_b = head.ContextValue("mhz_per_cpu");
  if (!mhz_a.empty() && !mhz_b.empty()) {
    const double a = std::atof(mhz_a.c_str()), b = std::atof(mhz_b.c_str());
    if (a > 0 && b > 0 && std::fabs(a - b) / std::min(a, b) > 0.10) {
      out.push_back({true, "CPU clocks differ by more than 10%: " + mhz_a + " MHz vs " + mhz_b + " MHz"});
    }
  }
  // Google Benchmark writes the local date and time as "2024-05-01T10:00:00+00:00".
  const std::string day_a = base.ContextValue("date").substr(0, 10);
  const std::string day_b = head.ContextValue("date").substr(0, 10);
  if (check_dates && day_a.size() == 10 && day_b.size() == 10 && day_a != day_b) {
    out.push_back({false, "recorded on different days (" + day_a + ", " + day_b +
                              "): machine drift between them is not cancelled; `chinook-compare ab` cancels it"});
  }
  return out;
}

}  // namespace chinook::compare

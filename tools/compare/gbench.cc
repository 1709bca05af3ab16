#include "gbench.h"

#include <climits>

#include <algorithm>
#include <cstdio>
#include <cmath>
#include <set>

namespace chinook::compare {

namespace {

// A count field (threads, repetitions) as an int; false for NaN, fractions, and values outside
// [min, INT_MAX] (converting those to int would be undefined behaviour: found by fuzzing).
bool AsCount(double v, int* out, int min = 1) {
  if (!(v >= min && v <= static_cast<double>(INT_MAX)) || v != std::floor(v)) return false;
  *out = static_cast<int>(v);
  return true;
}

bool IsWhole(double v) { return std::isfinite(v) && v == std::floor(v); }

// Members Google Benchmark always writes as numbers: a string (or anything else) there is a
// broken or hand-edited file, never a value to skip quietly.
const std::set<std::string, std::less<>>& NumericKeys() {
  static const std::set<std::string, std::less<>> keys = {
      "real_time", "cpu_time", "iterations", "threads", "repetitions", "repetition_index", "family_index",
      "per_family_instance_index", "complexity_n", "memory_iterations", "allocs_per_iter", "max_bytes_used",
      "total_allocated_bytes", "net_heap_growth"};
  return keys;
}

// The fields a registered benchmark::MemoryManager fills, and the most each can plausibly be.
// Byte counts: 2^44 (16 TiB) is more memory than benchmark machines have, and less than any heap
// or stack address on x86-64 Linux (0x55..., 0x7f...), which is what a dangling read often
// returns; allocation counts: 2^40 per iteration would take hours. Beyond them, or negative
// (net_heap_growth excepted), fractional or non-finite, the figure is garbage, not a measurement.
struct MemoryField {
  std::string_view name;
  double max;
  bool may_be_negative;
  bool whole;
};
constexpr MemoryField kMemoryFields[] = {
    {"max_bytes_used", 0x1p44, false, true},
    {"total_allocated_bytes", 0x1p44, false, true},
    {"net_heap_growth", 0x1p44, true, true},
    {"allocs_per_iter", 0x1p40, false, false},  // allocations / memory iterations: a fraction
};

const MemoryField* FindMemoryField(std::string_view key) {
  for (const MemoryField& f : kMemoryFields) {
    if (f.name == key) return &f;
  }
  return nullptr;
}

// `whole`: the value is a count as measured, not a mean or spread of counts.
bool Plausible(const MemoryField& f, double v, bool whole) {
  if (!std::isfinite(v) || std::fabs(v) > f.max) return false;
  if (v < 0 && !f.may_be_negative) return false;
  return !(whole && f.whole) || v == std::floor(v);
}

// Google Benchmark 1.6.0 to 1.9.1 kept each repetition's memory result in a std::vector and
// reported a pointer to its element; the next repetition's push_back reallocated the vector, so
// every repetition but the last reports freed memory (0x2020202020202020, heap addresses, ASCII of
// benchmark names) as max_bytes_used, total_allocated_bytes, net_heap_growth and
// allocs_per_iter, and the aggregates are computed from those (google/benchmark#1939, fixed by
// #1941 in 1.9.2). The JSON context names the version from 1.8 ("library_version": "v1.8.3");
// 1.6 and 1.7 do not, but they are the only versions that write family_index without it (1.5
// and older have neither, and kept the result by value).
struct LibraryVersion {
  bool known = false;
  int major = 0, minor = 0, patch = 0;
};

LibraryVersion ParseLibraryVersion(std::string_view v) {
  LibraryVersion out;
  if (!v.empty() && (v[0] == 'v' || v[0] == 'V')) v.remove_prefix(1);
  int* parts[] = {&out.major, &out.minor, &out.patch};
  size_t i = 0;
  for (int k = 0; k < 3; ++k) {
    if (i >= v.size() || v[i] < '0' || v[i] > '9') return k >= 2 ? (out.known = true, out) : LibraryVersion{};
    int n = 0;
    while (i < v.size() && v[i] >= '0' && v[i] <= '9' && n < 100000) n = n * 10 + (v[i++] - '0');
    *parts[k] = n;
    if (k < 2 && (i >= v.size() || v[i] != '.')) return k >= 1 ? (out.known = true, out) : LibraryVersion{};
    if (k < 2) ++i;
  }
  out.known = true;
  return out;
}

bool HasDanglingMemoryResults(const LibraryVersion& v) {
  const auto at_least = [&](int a, int b, int c) {
    return v.major != a ? v.major > a : v.minor != b ? v.minor > b : v.patch >= c;
  };
  return at_least(1, 6, 0) && !at_least(1, 9, 2);
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
    library_version_ = run_.ContextValue("library_version");
    const json::Value* list = doc.Find("benchmarks");
    if (list == nullptr) return Error(doc, "no \"benchmarks\" array: not Google Benchmark JSON output");
    if (!list->is_array()) return Error(*list, "\"benchmarks\" is not an array");
    for (size_t i = 0; i < list->items().size(); ++i) {
      CHINOOK_RETURN_IF_ERROR(ReadEntry(list->items()[i], i));
    }
    CHINOOK_RETURN_IF_ERROR(Finish());
    if (run_.benchmarks.empty()) {
      // A filter that matched nothing, or a program that crashed before its first benchmark:
      // passing on such a file would pass on nothing at all.
      return InvalidArgumentError(run_.source + ": no benchmarks in " + run_.source + " (" +
                                  (list->items().empty() ? "the \"benchmarks\" array is empty"
                                                         : "only complexity fits, which are not measurements") +
                                  "; a --benchmark_filter that matched nothing?)");
    }
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
    for (const auto& [key, value] : e.members()) {
      if (value.is_number() || value.is_null() || NumericKeys().count(key) == 0) continue;
      const std::string found = value.is_string() ? "a string (" + json::Quote(value.as_string()) + ")"
                                : value.is_bool() ? "a boolean"
                                : value.is_array() ? "an array"
                                                   : "an object";
      return Error(value, where + " (" + name + "): \"" + key + "\" is " + found + "; expected a number");
    }
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
    int repetitions = 0;  // 1.5 writes 0 when the count came from the command line
    if (const json::Value* r = e.Find("repetitions"); r != nullptr && r->is_number()) {
      if (!AsCount(r->as_number(), &repetitions, 0)) {
        return Error(*r, label + ": \"repetitions\" is not a whole number in [0, 2^31)");
      }
      if (repetitions > 0) m.repetitions = repetitions;
    }
    CHINOOK_RETURN_IF_ERROR(CheckSameBenchmark(e, index, run_name, is_aggregate ? aggregate : "", label));

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

    if (const json::Value* it = e.Find("iterations"); it != nullptr && it->is_number()) {
      // An aggregate's "iterations" is its number of repetitions; a measured run did at least one.
      const double n = it->as_number();
      if (!IsWhole(n) || n < (is_aggregate ? 0 : 1)) {
        return Error(*it, label + ": \"iterations\" is " + json::FormatNumber(n) + ": impossible, " +
                              (is_aggregate ? "not a whole number >= 0" : "a run does a whole number >= 1"));
      }
    }

    const json::Value* unit_v = e.Find("aggregate_unit");
    const bool percentage = (unit_v != nullptr && unit_v->is_string() && unit_v->as_string() == "percentage") ||
                            (unit_v == nullptr && aggregate == "cv");
    // Medians and means are what the reader uses of aggregates; they are times like any other.
    const bool central = !is_aggregate || aggregate == "median" || aggregate == "mean";
    Aggregates* agg = nullptr;
    if (is_aggregate) agg = &aggregates_[run_name];
    const bool untrusted_memory = MemoryFieldsDangle(e, is_aggregate, repetitions);
    for (const auto& [key, value] : e.members()) {
      if (DescriptiveKeys().count(key) != 0) continue;
      if (value.is_null()) {  // what other tools write for NaN: no value
        if (agg == nullptr) ++non_finite_[run_name + "\t" + key];
        continue;
      }
      if (!value.is_number()) {
        // Google Benchmark writes every counter as a number: a counter that is text here was
        // written by something else, and must not vanish without a word.
        ++not_numbers_[run_name + "\t" + key];
        continue;
      }
      const bool is_time = key == kRealTime || key == kCpuTime;
      double v = value.as_number();
      if (is_time && !(is_aggregate && percentage)) v *= time_scale;
      if (is_time && central && !percentage && std::isfinite(v)) CHINOOK_RETURN_IF_ERROR(CheckTime(value, label, run_name, key, v));
      if (const MemoryField* f = FindMemoryField(key)) {
        if (untrusted_memory) {
          ++dangling_[std::string(f->name)];
          dangling_benchmarks_.insert(run_name);
          continue;
        }
        if (!(is_aggregate && percentage) && !Plausible(*f, value.as_number(), !is_aggregate)) {
          Implausible& bad = implausible_[run_name + "\t" + key];
          if (bad.count++ == 0) bad.example = value.as_number();
          continue;
        }
      }
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

  // Rejects times no run can have: negative, or zero (a run takes time). A zero cpu_time is
  // possible only where the benchmark is timed by the wall clock and the CPU clock is coarse.
  Status CheckTime(const json::Value& at, const std::string& label, const std::string& run_name, std::string_view key,
                   double ns) {
    if (ns > 0) return Status::Ok();
    const bool wall_clocked = EndsWith(run_name, "/real_time") || EndsWith(run_name, "/manual_time");
    if (ns == 0 && key == kCpuTime && wall_clocked) {
      ++zero_cpu_[run_name];
      return Status::Ok();
    }
    return Error(at, label + ": \"" + std::string(key) + "\" is " + json::FormatNumber(at.as_number()) +
                         ": impossible, a time must be positive");
  }

  // True when this entry's memory-manager fields come through Google Benchmark's dangling pointer
  // (see HasDanglingMemoryResults): every repetition but the last, and aggregates over them.
  bool MemoryFieldsDangle(const json::Value& e, bool is_aggregate, int repetitions) {
    if (repetitions < 2) return false;
    if (!library_version_.empty()) {
      if (!HasDanglingMemoryResults(ParseLibraryVersion(library_version_))) return false;
      affected_version_ = "Google Benchmark " + library_version_;
    } else {
      if (e.Find("family_index") == nullptr) return false;  // 1.5 or older: results kept by value
      affected_version_ = "Google Benchmark 1.6 or 1.7 (family_index without library_version)";
    }
    if (is_aggregate) return true;
    const json::Value* index = e.Find("repetition_index");
    return index == nullptr || !index->is_number() || index->as_number() < repetitions - 1;
  }

  // Two entries of one run_name are repetitions of one benchmark only if they belong to the same
  // registered instance (family_index, per_family_instance_index; 1.6+) and are different
  // repetitions of it (repetition_index; 1.5+) or different aggregates. Files without indices
  // (before 1.5) list a benchmark's repetitions together, so the name coming back after another
  // benchmark's runs is a second benchmark of that name. Anything else would pool two
  // benchmarks' samples into one without a word.
  Status CheckSameBenchmark(const json::Value& e, size_t index, const std::string& run_name,
                            const std::string& aggregate, const std::string& label) {
    const auto number = [&](const char* key) {
      const json::Value* v = e.Find(key);
      return v != nullptr && v->is_number() ? v->as_number() : -1.0;
    };
    const Occurrence here{index + 1, e.line()};
    const auto twice = [&](const Occurrence& first, const std::string& why) {
      return Error(e, label + ": benchmark " + json::Quote(run_name) + " appears twice as separate runs, not as " +
                          "repetitions of one benchmark: entry " + std::to_string(here.entry) + " (line " +
                          std::to_string(here.line) + ") and entry " + std::to_string(first.entry) + " (line " +
                          std::to_string(first.line) + ") " + why +
                          "; their samples would be pooled (two benchmarks registered under one name, or files "
                          "concatenated?)");
    };
    const double family = number("family_index"), instance = number("per_family_instance_index");
    auto [id, new_name] = identity_.try_emplace(run_name, Identity{family, instance, here});
    const auto differ = [](double a, double b) { return a >= 0 && b >= 0 && a != b; };  // -1: not in the file
    if (!new_name && (differ(id->second.family, family) || differ(id->second.instance, instance))) {
      char buf[160];
      std::snprintf(buf, sizeof buf, "are different benchmarks (family_index %g vs %g, per_family_instance_index %g vs %g)",
                    family, id->second.family, instance, id->second.instance);
      return twice(id->second.first, buf);
    }
    const double repetition = number("repetition_index");
    std::string key;
    if (!aggregate.empty()) {
      key = "aggregate " + json::Quote(aggregate);
    } else if (repetition >= 0) {
      key = "repetition_index " + json::FormatNumber(repetition);
    }
    if (!key.empty()) {
      auto [it, inserted] = occurrences_.try_emplace(run_name + "\t" + key, here);
      if (!inserted) return twice(it->second, "are both " + key);
    }
    if (!aggregate.empty() || repetition >= 0) return Status::Ok();
    // No repetition_index: a legacy file; repetitions of one benchmark are consecutive.
    if (run_name != last_iteration_name_) {
      if (!last_iteration_name_.empty()) closed_.insert(last_iteration_name_);
      if (closed_.count(run_name) != 0) {
        return twice(identity_.at(run_name).first,
                     "are separated by other benchmarks (files without repetition_index list a benchmark's "
                     "repetitions together)");
      }
      last_iteration_name_ = run_name;
    }
    return Status::Ok();
  }

  // Resolves what only the whole file tells: aggregates-only benchmarks, errors, dropped values,
  // benchmarks left with no usable time.
  Status Finish() {
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
          if (v == pick->second.end()) continue;
          if (!std::isfinite(v->second)) {
            ++non_finite_[m.name + "\t" + metric];
            continue;
          }
          m.samples[metric].push_back(v->second);
          m.metric_order.push_back(metric);
        }
      }
    }
    for (const Measurements& m : run_.benchmarks) {
      if (!m.error.empty() || !m.skipped.empty()) continue;
      if (iteration_entries_[m.name] == 0 && !m.from_aggregates) continue;
      for (std::string_view clock : {kRealTime, kCpuTime}) {
        const std::vector<double>* got = m.Find(clock);
        if (got != nullptr && !got->empty()) continue;
        const std::string metric(clock);
        const auto bad = non_finite_.find(m.name + "\t" + metric);
        if (bad == non_finite_.end() && m.Find(clock == kRealTime ? kCpuTime : kRealTime) != nullptr) continue;
        return InvalidArgumentError(
            run_.source + ":" + std::to_string(m.first_line) + ": benchmark " + json::Quote(m.name) +
            " has no usable " + metric + ": " +
            (bad == non_finite_.end() ? std::string("no entry has a real_time or cpu_time")
                                      : "every value (" + std::to_string(bad->second) + ") is NaN, infinite or null"));
      }
    }
    for (const auto& [key, count] : non_finite_) {
      const size_t tab = key.find('\t');
      run_.warnings.push_back(run_.source + ": " + key.substr(0, tab) + ": " + std::to_string(count) + " " +
                              key.substr(tab + 1) + " value(s) are NaN, infinite or null; left out");
    }
    if (!dangling_.empty()) {
      std::string fields;
      int entries = 0;
      for (const auto& [field, count] : dangling_) {
        fields += (fields.empty() ? "" : ", ") + field;
        entries = std::max(entries, count);
      }
      run_.warnings.push_back(run_.source + ": " + affected_version_ +
                              " reports memory-manager fields through a dangling pointer in every repetition but "
                              "the last (google/benchmark#1939, fixed in 1.9.2): " + fields + " left out of " +
                              std::to_string(entries) + " entries of " + std::to_string(dangling_benchmarks_.size()) +
                              " benchmarks; the last repetition's are kept");
    }
    for (const auto& [key, bad] : implausible_) {
      const size_t tab = key.find('\t');
      char example[32];
      std::snprintf(example, sizeof example, "%.6g", bad.example);
      run_.warnings.push_back(run_.source + ": " + key.substr(0, tab) + ": " + key.substr(tab + 1) + " = " +
                              example + (bad.count > 1 ? " (and " + std::to_string(bad.count - 1) + " more)" : "") +
                              " is not a plausible " +
                              (key.substr(tab + 1) == "allocs_per_iter" ? "allocation count" : "byte count") +
                              " (negative, fractional, non-finite or absurdly large): untrusted, left out");
    }
    for (const auto& [key, count] : not_numbers_) {
      const size_t tab = key.find('\t');
      run_.warnings.push_back(run_.source + ": " + key.substr(0, tab) + ": \"" + key.substr(tab + 1) + "\" is not a number in " +
                              std::to_string(count) + " entries; not a metric, left out");
    }
    for (const auto& [name, count] : zero_cpu_) {
      run_.warnings.push_back(run_.source + ": " + name + ": cpu_time is 0 in " + std::to_string(count) +
                              " entries (a coarse CPU clock?); the benchmark is judged on its wall clock");
    }
    return Status::Ok();
  }

  struct Occurrence {
    size_t entry;  // 1-based, as messages count entries
    int line;
  };
  struct Identity {
    double family, instance;  // -1 when the file does not say
    Occurrence first;
  };
  struct Implausible {
    int count = 0;
    double example = 0;
  };

  BenchmarkRun run_;
  std::map<std::string, size_t> index_;
  std::map<std::string, Aggregates> aggregates_;
  std::map<std::string, int> iteration_entries_;
  std::map<std::string, int> errors_;
  std::map<std::string, std::string> error_messages_;
  std::map<std::string, int> non_finite_;
  std::string library_version_;  // from the context; "" before 1.8
  std::string affected_version_;  // how the file was recognised as having dangling memory results
  std::map<std::string, int> dangling_;  // memory field -> entries it was dropped from
  std::set<std::string> dangling_benchmarks_;
  std::map<std::string, Implausible> implausible_;  // benchmark \t field
  std::map<std::string, int> zero_cpu_;
  std::map<std::string, int> not_numbers_;  // benchmark \t member: non-numeric unknown members
  std::map<std::string, Identity> identity_;        // run_name -> its first entry's instance
  std::map<std::string, Occurrence> occurrences_;   // run_name \t repetition or aggregate
  std::string last_iteration_name_;                 // legacy files: the block being read
  std::set<std::string> closed_;                    // legacy files: names whose block ended
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
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    // What Google Benchmark leaves in --benchmark_out when no benchmark matched the filter.
    return InvalidArgumentError(std::string(source) + ":1:1: empty input: no benchmarks in " + std::string(source) +
                                " (the program wrote nothing: a --benchmark_filter that matched nothing, or a crash?)");
  }
  CHINOOK_ASSIGN_OR_RETURN(auto doc, json::Parse(text, source));
  return Reader(source).Read(doc);
}

Result<BenchmarkRun> ReadBenchmarkFile(const std::string& path) {
  CHINOOK_ASSIGN_OR_RETURN(auto text, json::ReadFile(path));
  return ReadBenchmarkJson(text, path);
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

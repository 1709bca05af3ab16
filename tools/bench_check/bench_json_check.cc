#include "bench_json_check.h"

#include <cmath>

namespace chinook::bench {
namespace {

using compare::json::Value;

constexpr std::string_view kMemoryManagerFields[] = {"allocs_per_iter", "max_bytes_used", "total_allocated_bytes",
                                                     "net_heap_growth"};

bool Contains(std::string_view s, std::string_view part) { return s.find(part) != std::string_view::npos; }
bool EndsWith(std::string_view s, std::string_view end) {
  return s.size() >= end.size() && s.substr(s.size() - end.size()) == end;
}

class Checker {
 public:
  explicit Checker(std::string_view source) : source_(source) {}

  void Entry(const Value& b, size_t index, bool jemalloc) {
    const Value* name = b.Find("name");
    where_ = std::string(source_) + ": benchmarks[" + std::to_string(index) + "]";
    if (name == nullptr || !name->is_string()) {
      Problem("has no \"name\" string");
      return;
    }
    where_ += " " + compare::json::Quote(name->as_string());
    if (const Value* e = b.Find("error_occurred"); e != nullptr && e->is_bool() && e->as_bool()) {
      const Value* m = b.Find("error_message");
      Problem("failed: " + (m != nullptr && m->is_string() ? m->as_string() : std::string("(no error_message)")));
      return;
    }
    const Value* aggregate = b.Find("aggregate_name");
    cv_ = aggregate != nullptr && aggregate->is_string() && aggregate->as_string() == "cv";
    for (const auto& [key, value] : b.members()) {
      for (std::string_view field : kMemoryManagerFields) {
        if (key == field) {
          Problem("has \"" + key + "\", a Google Benchmark memory-manager field: 1.7.1 writes those through a "
                  "dangling pointer with repetitions (google/benchmark#1941); chinook-bench must not register a "
                  "benchmark::MemoryManager");
        }
      }
      if (value.is_number()) Number(key, value.as_number());
    }
    const Value* iterations = b.Find("iterations");
    if (iterations == nullptr || !iterations->is_number() || iterations->as_number() < 1) {
      Problem("ran no iteration (\"iterations\" missing or below 1)");
    }
    const Value* run_type = b.Find("run_type");
    const bool is_iteration = run_type == nullptr || (run_type->is_string() && run_type->as_string() == "iteration");
    if (jemalloc && is_iteration && b.Find("bytes_per_op") == nullptr && b.Find("varying_bytes_per_op") == nullptr) {
      Problem("reports no bytes_per_op or varying_bytes_per_op although the run is on jemalloc: declare a "
              "memory::ScopedMemoryCounters before the timed loop");
    }
  }

  void Problem(const std::string& what) { problems_.push_back(where_ + ": " + what); }
  std::vector<std::string> Take() { return std::move(problems_); }

 private:
  void Number(const std::string& key, double v) {
    const std::string shown = "\"" + key + "\" = " + compare::json::FormatNumber(v);
    if (cv_ && std::isnan(v)) {
      return;  // Google Benchmark's stddev / mean of a figure that is 0 in every repetition
    } else if (!std::isfinite(v)) {
      Problem(shown + " is not a finite number");
    } else if (std::fabs(v) > kMaxPlausible) {
      Problem(shown + " is beyond 2^50: no count or time of a benchmark is that large (garbage read as a number?)");
    } else if (v < 0 && !Contains(key, "growth")) {
      Problem(shown + " is negative, which no count, time or rate can be");
    } else if (EndsWith(key, "hit_rate") && v > 1) {
      Problem(shown + " is a share above 1");
    }
  }

  std::string_view source_;
  std::string where_;
  bool cv_ = false;  // the entry is a coefficient-of-variation aggregate
  std::vector<std::string> problems_;
};

}  // namespace

std::vector<std::string> FindImpossibleValues(const Value& doc, std::string_view source) {
  Checker check(source);
  const Value* list = doc.Find("benchmarks");
  if (list == nullptr || !list->is_array() || list->items().empty()) {
    return {std::string(source) + ": no \"benchmarks\" array with at least one entry"};
  }
  bool jemalloc = false;
  if (const Value* context = doc.Find("context"); context != nullptr) {
    const Value* allocator = context->Find("allocator");
    jemalloc = allocator != nullptr && allocator->is_string() && allocator->as_string() == "jemalloc";
  }
  for (size_t i = 0; i < list->items().size(); ++i) {
    const Value& b = list->items()[i];
    if (!b.is_object()) {
      check.Problem(std::string(source) + ": benchmarks[" + std::to_string(i) + "] is not an object");
      continue;
    }
    check.Entry(b, i, jemalloc);
  }
  return check.Take();
}

}  // namespace chinook::bench

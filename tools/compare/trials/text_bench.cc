// Trial program "text": string formatting, splitting, joining and number parsing, as in a log or
// CSV pipeline. Target (slowed in the slow builds): BM_Split_Strings, whose slow builds split a
// line with kSlowdownPct percent more fields.
#include <benchmark/benchmark.h>

#include <charconv>
#include <cstdint>
#include <cstdio>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "slowdown.h"

namespace {

using chinook::trials::Rng;

constexpr size_t kRecords = 64;
constexpr size_t kFields = 400;
constexpr size_t kNumbers = 1000;

// A comma-separated line of `fields` short words and numbers, the same in every build.
std::string CsvLine(size_t fields) {
  Rng rng(7);
  std::string line;
  for (size_t i = 0; i < fields; ++i) {
    if (i > 0) line += ',';
    line += i % 3 == 0 ? "field" + std::to_string(rng.Below(100000)) : std::to_string(rng.Below(1u << 31));
  }
  return line;
}

std::vector<std::string> Split(std::string_view s, char sep) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    const size_t end = s.find(sep, start);
    parts.emplace_back(s.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

void BM_Format_Snprintf(benchmark::State& state) {
  char buf[128];
  std::string out;
  for (auto _ : state) {
    out.clear();
    for (size_t i = 0; i < kRecords; ++i) {
      const int n = std::snprintf(buf, sizeof(buf), "%06zu %-12s %8.3f %#x\n", i, "request", static_cast<double>(i) * 1.25,
                                  static_cast<unsigned>(i * 2654435761u));
      out.append(buf, static_cast<size_t>(n));
    }
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kRecords));
}
BENCHMARK(BM_Format_Snprintf);

void BM_Format_Stream(benchmark::State& state) {
  for (auto _ : state) {
    std::ostringstream out;
    for (size_t i = 0; i < kRecords; ++i) out << "id=" << i << " latency_ms=" << static_cast<double>(i) * 0.75 << '\n';
    benchmark::DoNotOptimize(out.str().size());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kRecords));
}
BENCHMARK(BM_Format_Stream);

void BM_Split_Views(benchmark::State& state) {
  const std::string line = CsvLine(kFields);
  std::vector<std::string_view> parts;
  for (auto _ : state) {
    parts.clear();
    std::string_view s = line;
    size_t start = 0;
    for (size_t end; (end = s.find(',', start)) != std::string_view::npos; start = end + 1) {
      parts.push_back(s.substr(start, end - start));
    }
    parts.push_back(s.substr(start));
    benchmark::DoNotOptimize(parts.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * line.size()));
}
BENCHMARK(BM_Split_Views);

void BM_Split_Strings(benchmark::State& state) {
  const std::string line = CsvLine(chinook::trials::Scaled(kFields));
  for (auto _ : state) {
    std::vector<std::string> parts = Split(line, ',');
    benchmark::DoNotOptimize(parts.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kFields));
}
BENCHMARK(BM_Split_Strings);

void BM_Join(benchmark::State& state) {
  const std::vector<std::string> parts = Split(CsvLine(kFields), ',');
  for (auto _ : state) {
    std::string out;
    for (const std::string& p : parts) {
      if (!out.empty()) out += '|';
      out += p;
    }
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * parts.size()));
}
BENCHMARK(BM_Join);

void BM_Parse_Ints(benchmark::State& state) {
  Rng rng(8);
  std::string text;
  for (size_t i = 0; i < kNumbers; ++i) text += std::to_string(rng.Below(1u << 31)) + ' ';
  for (auto _ : state) {
    uint64_t sum = 0;
    const char* p = text.data();
    const char* end = text.data() + text.size();
    while (p < end) {
      uint64_t v = 0;
      auto [next, ec] = std::from_chars(p, end, v);
      if (ec != std::errc()) break;
      sum += v;
      p = next + 1;
    }
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kNumbers));
}
BENCHMARK(BM_Parse_Ints);

}  // namespace

BENCHMARK_MAIN();

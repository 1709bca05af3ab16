#include "history.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <tuple>

#include "compare.h"
#include "json.h"
#include "report.h"
#include "stats.h"

namespace chinook::compare {

namespace {

namespace fs = std::filesystem;

std::string Slug(std::string_view s) {
  std::string out;
  for (char c : s) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (std::isalnum(u)) {
      out += static_cast<char>(std::tolower(u));
    } else if (!out.empty() && out.back() != '-') {
      out += '-';
    }
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out.empty() ? "unknown" : out.substr(0, 80);
}

// Words of CPU model strings that say nothing about the machine.
std::string CleanModel(std::string model) {
  for (const char* noise : {"(R)", "(TM)", "(tm)", "CPU", "Processor", "processor"}) {
    for (size_t at; (at = model.find(noise)) != std::string::npos;) model.erase(at, std::strlen(noise));
  }
  if (const size_t at = model.find(" @ "); at != std::string::npos) model.erase(at);
  return model;
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string CommitOf(const BenchmarkRun& r) {
  std::string c = r.ContextValue("chinook_git_commit");
  if (c.empty()) return "unknown";
  if (r.ContextValue("chinook_git_dirty") == "true") c += "+dirty";
  return c;
}

std::string DateOf(const BenchmarkRun& r) {
  std::string d = r.ContextValue("chinook_date_utc");
  if (d.empty()) d = r.ContextValue("date");
  return d;
}

std::string Short(const std::string& commit) { return commit.substr(0, std::min<size_t>(commit.size(), 12)); }

double MedianOf(const Measurements& m, const std::string& metric, bool* ok) {
  const std::vector<double>* s = m.Find(metric);
  *ok = s != nullptr && !s->empty();
  return *ok ? stats::Median(*s) : 0;
}

}  // namespace

std::string MachineClass(const BenchmarkRun& run) {
  std::string model = run.ContextValue("chinook_cpu_model");
  std::string cpus = run.ContextValue("chinook_cpu_count");
  if (cpus.empty()) cpus = run.ContextValue("num_cpus");
  if (model.empty()) {
    const std::string mhz = run.ContextValue("mhz_per_cpu");
    model = mhz.empty() ? "unknown-cpu" : mhz + "mhz";
  }
  return Slug(CleanModel(model) + " " + (cpus.empty() ? "?" : cpus) + "cpu");
}

Result<std::string> AddToHistory(const std::string& results_path, const std::string& dir,
                                 const std::string& machine_class) {
  CHINOOK_ASSIGN_OR_RETURN(auto run, ReadBenchmarkFile(results_path));
  if (run.benchmarks.empty()) return InvalidArgumentError(results_path + ": no benchmarks: nothing to record");
  const std::string cls = machine_class.empty() ? MachineClass(run) : Slug(machine_class);
  std::string date = DateOf(run);
  if (date.empty()) return InvalidArgumentError(results_path + ": no date in its context: cannot place it in history");
  const std::string name = Slug(date) + "_" + Slug(Short(CommitOf(run))) + ".json";
  const fs::path target = fs::path(dir) / cls / name;
  std::error_code ec;
  fs::create_directories(target.parent_path(), ec);
  if (ec) return InvalidArgumentError(target.parent_path().string() + ": cannot create: " + ec.message());
  const std::string text = ReadText(results_path);
  if (fs::exists(target)) {
    if (ReadText(target.string()) == text) return AlreadyExistsError(target.string() + ": this run is recorded already");
    return InvalidArgumentError(target.string() + " exists with other contents: a stored run is never overwritten");
  }
  // Written beside the target and renamed: a crash leaves no half-written run in the history.
  const std::string tmp = target.string() + ".tmp" + std::to_string(getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out) {
      std::remove(tmp.c_str());
      return InvalidArgumentError(tmp + ": cannot write");
    }
  }
  if (link(tmp.c_str(), target.c_str()) != 0) {  // fails rather than replaces when it appeared meanwhile
    std::remove(tmp.c_str());
    return InvalidArgumentError(target.string() + ": cannot store (" + std::strerror(errno) + ")");
  }
  std::remove(tmp.c_str());
  return target.string();
}

std::vector<std::string> HistoryClasses(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.is_directory()) out.push_back(e.path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

Result<std::vector<HistoryRun>> LoadHistory(const std::string& dir, const std::string& machine_class) {
  std::vector<HistoryRun> runs;
  const fs::path d = fs::path(dir) / machine_class;
  std::error_code ec;
  if (!fs::is_directory(d, ec)) return runs;
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(d, ec)) {
    if (e.is_regular_file() && e.path().extension() == ".json") files.push_back(e.path().string());
  }
  for (const std::string& f : files) {
    Result<BenchmarkRun> r = ReadBenchmarkFile(f);
    if (!r.ok()) return r.status().Annotate("history");
    HistoryRun h;
    h.path = f;
    h.commit = CommitOf(*r);
    h.date = DateOf(*r);
    h.machine_class = machine_class;
    h.run = std::move(*r);
    runs.push_back(std::move(h));
  }
  // ISO dates sort as text; the path breaks ties.
  std::sort(runs.begin(), runs.end(), [](const HistoryRun& a, const HistoryRun& b) {
    return std::tie(a.date, a.path) < std::tie(b.date, b.path);
  });
  return runs;
}

bool HistoryAnalysis::NewestRegression() const {
  return std::any_of(steps.begin(), steps.end(),
                     [](const HistoryStep& s) { return s.newest && s.worse && s.beyond_threshold; });
}

HistoryAnalysis AnalyzeHistory(std::vector<HistoryRun> runs, const GatesConfig& config, const HistoryOptions& options) {
  HistoryAnalysis a;
  if (!runs.empty()) a.machine_class = runs.front().machine_class;
  // Series: benchmark names in order of first appearance.
  std::map<std::pair<std::string, std::string>, size_t> index;
  for (size_t i = 0; i < runs.size(); ++i) {
    for (const Measurements& m : runs[i].run.benchmarks) {
      if (!m.ok()) continue;
      std::vector<std::string> metrics = options.metrics;
      if (metrics.empty()) metrics.push_back(std::string(DeclaredTimeMetric(m.name)));
      for (const std::string& metric : metrics) {
        bool ok = false;
        const double v = MedianOf(m, metric, &ok);
        if (!ok || !(v > 0) || !std::isfinite(v)) continue;
        auto [it, fresh] = index.emplace(std::pair{m.name, metric}, a.series.size());
        if (fresh) {
          HistorySeries s;
          s.benchmark = m.name;
          s.metric = metric;
          const MetricRule rule = config.RuleFor(metric);
          s.direction = rule.direction == Direction::kUnknown ? Direction::kLowerIsBetter : rule.direction;
          s.threshold = config.ThresholdFor(m.name, metric);
          a.series.push_back(std::move(s));
        }
        a.series[it->second].runs.push_back(static_cast<int>(i));
        a.series[it->second].values.push_back(v);
      }
    }
  }
  ChangePointOptions cp = options.change_points;
  cp.alpha = options.change_points.alpha / static_cast<double>(std::max<size_t>(1, a.series.size()));
  a.alpha_per_series = cp.alpha;
  for (const HistorySeries& s : a.series) {
    std::vector<double> logs(s.values.size());
    std::transform(s.values.begin(), s.values.end(), logs.begin(), [](double v) { return std::log(v); });
    const std::vector<ChangePoint> points = FindChangePoints(logs, cp);
    for (size_t k = 0; k < points.size(); ++k) {
      const int begin = k == 0 ? 0 : points[k - 1].index;
      const int at = points[k].index;
      const int end = k + 1 < points.size() ? points[k + 1].index : static_cast<int>(logs.size());
      const std::span<const double> before(logs.data() + begin, static_cast<size_t>(at - begin));
      const std::span<const double> after(logs.data() + at, static_cast<size_t>(end - at));
      const stats::Interval shift = stats::HodgesLehmannShift(before, after, options.confidence);
      HistoryStep step;
      step.benchmark = s.benchmark;
      step.metric = s.metric;
      step.run = s.runs[static_cast<size_t>(at)];
      step.commit_before = runs[static_cast<size_t>(s.runs[static_cast<size_t>(at - 1)])].commit;
      step.commit_after = runs[static_cast<size_t>(step.run)].commit;
      step.date_after = runs[static_cast<size_t>(step.run)].date;
      step.change = std::expm1(stats::Median(std::vector<double>(after.begin(), after.end())) -
                               stats::Median(std::vector<double>(before.begin(), before.end())));
      step.ci_low = std::expm1(shift.low);
      step.ci_high = std::expm1(shift.high);
      step.p_value = points[k].p_value;
      const bool higher_better = s.direction == Direction::kHigherIsBetter;
      step.worse = higher_better ? step.ci_high < 0 : step.ci_low > 0;
      step.better = higher_better ? step.ci_low > 0 : step.ci_high < 0;
      step.beyond_threshold = std::fabs(step.change) > s.threshold;
      step.newest = k + 1 == points.size();
      a.steps.push_back(std::move(step));
    }
  }
  a.runs = std::move(runs);
  return a;
}

namespace {

std::string StepLine(const HistoryStep& s) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "%s [%s, %s] p=%.2g", FormatPercent(s.change).c_str(), FormatPercent(s.ci_low).c_str(),
                FormatPercent(s.ci_high).c_str(), s.p_value);
  return buf;
}

std::string Kind(const HistoryStep& s) {
  if (s.worse && s.beyond_threshold) return s.newest ? "REGRESSION (current)" : "regression";
  if (s.worse) return "worse, within threshold";
  if (s.better) return "improvement";
  // A step the permutation test found whose interval still reaches zero.
  return "unclear direction";
}

}  // namespace

std::string RenderHistoryText(const HistoryAnalysis& a) {
  std::string out = "history of " + Printable(a.machine_class) + ": " + std::to_string(a.runs.size()) + " runs, " +
                    std::to_string(a.series.size()) + " series, E-divisive with alpha " +
                    FormatPValue(a.alpha_per_series) + " per series\n";
  if (!a.runs.empty()) out += "from " + Printable(a.runs.front().date) + " to " + Printable(a.runs.back().date) + "\n";
  if (a.steps.empty()) return out + "no change points\n";
  out += "\n";
  for (const HistoryStep& s : a.steps) {
    out += Printable(s.benchmark) + " " + Printable(s.metric) + ": " + StepLine(s) + " between " + Printable(Short(s.commit_before)) + " and " +
           Printable(Short(s.commit_after)) + " (" + Printable(s.date_after) + "): " + Kind(s) + "\n";
  }
  return out;
}

std::string RenderHistoryMarkdown(const HistoryAnalysis& a) {
  std::string out = "### Benchmark history: " + Printable(a.machine_class) + "\n\n" + std::to_string(a.runs.size()) +
                    " runs, " + std::to_string(a.series.size()) + " series";
  if (!a.runs.empty()) out += ", " + Printable(a.runs.front().date) + " to " + Printable(a.runs.back().date);
  out += ".\n\n";
  if (a.steps.empty()) return out + "No change points.\n";
  out += "| Benchmark | Metric | Step | Interval | p | Commits | Date | Kind |\n|---|---|---:|---|---:|---|---|---|\n";
  for (const HistoryStep& s : a.steps) {
    out += "| `" + Printable(s.benchmark) + "` | " + Printable(s.metric) + " | " + FormatPercent(s.change) + " | [" + FormatPercent(s.ci_low) +
           ", " + FormatPercent(s.ci_high) + "] | " + FormatPValue(s.p_value) + " | " + Printable(Short(s.commit_before)) + ".." +
           Printable(Short(s.commit_after)) + " | " + Printable(s.date_after) + " | " + Kind(s) + " |\n";
  }
  return out;
}

std::string RenderHistoryHtml(const HistoryAnalysis& a) {
  std::string out =
      "<!doctype html><html><head><meta charset=\"utf-8\"><title>Benchmark history: " + HtmlEscape(a.machine_class) +
      "</title><style>body{font:14px sans-serif;margin:2em;max-width:72em}table{border-collapse:collapse}"
      "td,th{padding:2px 8px;border-bottom:1px solid #ddd;text-align:left}.bad{color:#c62828}"
      "svg{display:block;margin:0.5em 0 1.5em}circle:hover{r:5}</style></head><body>\n<h1>Benchmark history: " +
      HtmlEscape(a.machine_class) + "</h1>\n<p>" + std::to_string(a.runs.size()) + " runs";
  if (!a.runs.empty()) out += ", " + HtmlEscape(a.runs.front().date) + " to " + HtmlEscape(a.runs.back().date);
  out += ". Change points by E-divisive means with a permutation test (alpha " + HtmlEscape(FormatPValue(a.alpha_per_series)) +
         " per series); hover a point for its commit and date.</p>\n<h2>Steps</h2>\n";
  if (a.steps.empty()) {
    out += "<p>No change points.</p>\n";
  } else {
    out += "<table><tr><th>Benchmark</th><th>Metric</th><th>Step</th><th>Interval</th><th>p</th><th>Commits</th><th>Date</th><th>Kind</th></tr>\n";
    for (const HistoryStep& s : a.steps) {
      out += std::string("<tr") + (s.worse && s.beyond_threshold ? " class=\"bad\"" : "") + "><td>" +
             HtmlEscape(s.benchmark) + "</td><td>" + HtmlEscape(s.metric) + "</td><td>" + HtmlEscape(FormatPercent(s.change)) +
             "</td><td>[" + HtmlEscape(FormatPercent(s.ci_low)) + ", " + HtmlEscape(FormatPercent(s.ci_high)) + "]</td><td>" +
             HtmlEscape(FormatPValue(s.p_value)) + "</td><td>" + HtmlEscape(Short(s.commit_before)) + ".." +
             HtmlEscape(Short(s.commit_after)) + "</td><td>" + HtmlEscape(s.date_after) + "</td><td>" + HtmlEscape(Kind(s)) +
             "</td></tr>\n";
    }
    out += "</table>\n";
  }
  out += "<h2>Trends</h2>\n";
  constexpr double kW = 720, kH = 160, kPad = 36;
  const double runs = std::max<double>(1, static_cast<double>(a.runs.size()) - 1);
  for (const HistorySeries& s : a.series) {
    const auto [lo_it, hi_it] = std::minmax_element(s.values.begin(), s.values.end());
    double lo = *lo_it, hi = *hi_it;
    if (hi - lo < 1e-12 * std::fabs(hi)) lo *= 0.99, hi *= 1.01;
    const auto x = [&](int run) { return kPad + (kW - 2 * kPad) * run / runs; };
    const auto y = [&](double v) { return kH - kPad / 2 - (kH - kPad) * (v - lo) / (hi - lo); };
    out += "<h3>" + HtmlEscape(s.benchmark) + " <small>" + HtmlEscape(s.metric) + "</small></h3>\n";
    char buf[256];
    std::snprintf(buf, sizeof buf, "<svg width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" role=\"img\">\n", kW, kH, kW, kH);
    out += buf;
    const bool time = s.metric == kCpuTime || s.metric == kRealTime;
    for (const double v : {lo, hi}) {
      std::snprintf(buf, sizeof buf, "<text x=\"2\" y=\"%.1f\" font-size=\"10\">", y(v) + 3);
      out += buf + HtmlEscape(time ? FormatTime(v) : FormatPValue(v)) + "</text>\n";
    }
    for (const HistoryStep& st : a.steps) {
      if (st.benchmark != s.benchmark || st.metric != s.metric) continue;
      std::snprintf(buf, sizeof buf,
                    "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"4\" y2=\"%.1f\" stroke=\"%s\" stroke-dasharray=\"4 3\"><title>",
                    x(st.run) - 0.5 * (kW - 2 * kPad) / runs, x(st.run) - 0.5 * (kW - 2 * kPad) / runs, kH - 4,
                    st.worse && st.beyond_threshold ? "#c62828" : "#607d8b");
      out += buf + HtmlEscape("change point: " + StepLine(st) + ", " + Short(st.commit_before) + ".." + Short(st.commit_after)) +
             "</title></line>\n";
    }
    out += "<polyline fill=\"none\" stroke=\"#1565c0\" stroke-width=\"1.5\" points=\"";
    for (size_t i = 0; i < s.values.size(); ++i) {
      std::snprintf(buf, sizeof buf, "%.1f,%.1f ", x(s.runs[i]), y(s.values[i]));
      out += buf;
    }
    out += "\"/>\n";
    for (size_t i = 0; i < s.values.size(); ++i) {
      const HistoryRun& r = a.runs[static_cast<size_t>(s.runs[i])];
      std::snprintf(buf, sizeof buf, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"#1565c0\"><title>", x(s.runs[i]), y(s.values[i]));
      out += buf + HtmlEscape(Short(r.commit) + " " + r.date + ": " + (time ? FormatTime(s.values[i]) : FormatPValue(s.values[i]))) +
             "</title></circle>\n";
    }
    out += "</svg>\n";
  }
  return out + "</body></html>\n";
}

Result<BenchmarkRun> RecentBaseline(const std::vector<HistoryRun>& runs, int count, std::vector<std::string>* used,
                                    std::vector<std::string>* left_out) {
  if (runs.empty()) return NotFoundError("no recorded runs");
  BenchmarkRun pooled;
  const size_t first = runs.size() > static_cast<size_t>(count) ? runs.size() - static_cast<size_t>(count) : 0;
  std::set<std::string> dropped;
  for (size_t i = runs.size(); i-- > first;) {  // newest first: its context and names lead
    if (i == runs.size() - 1) {
      pooled = runs[i].run;
    } else {
      BenchmarkRun older = runs[i].run;
      std::erase_if(older.benchmarks, [&](const Measurements& m) {
        if (pooled.Find(m.name) != nullptr) return false;
        dropped.insert(m.name);
        return true;
      });
      MergeRuns(older, &pooled);
    }
    used->push_back(runs[i].path);
  }
  left_out->assign(dropped.begin(), dropped.end());
  pooled.source = "history (" + std::to_string(used->size()) + " runs)";
  return pooled;
}

std::string WriteBenchmarkJson(const BenchmarkRun& run) {
  using json::Value;
  std::vector<Value::Member> context;
  for (const auto& [k, v] : run.context) context.emplace_back(k, Value::String(v));
  std::vector<Value> entries;
  for (const Measurements& m : run.benchmarks) {
    if (!m.ok()) continue;
    size_t reps = 0;
    for (const auto& [metric, samples] : m.samples) reps = std::max(reps, samples.size());
    for (size_t i = 0; i < reps; ++i) {
      std::vector<Value::Member> e = {
          {"name", Value::String(m.name)},
          {"run_name", Value::String(m.name)},
          {"run_type", Value::String("iteration")},
          {"repetitions", Value::Number(static_cast<double>(reps))},
          {"repetition_index", Value::Number(static_cast<double>(i))},
          {"threads", Value::Number(m.threads)},
          {"iterations", Value::Number(i < m.iterations.size() ? m.iterations[i] : 1)},
          {"time_unit", Value::String("ns")},
      };
      for (const std::string& metric : m.metric_order) {
        const std::vector<double>* s = m.Find(metric);
        if (s != nullptr && i < s->size()) e.emplace_back(metric, Value::Number((*s)[i]));
      }
      entries.push_back(Value::Object(std::move(e)));
    }
  }
  return json::Write(Value::Object({{"context", Value::Object(std::move(context))}, {"benchmarks", Value::Array(std::move(entries))}}));
}

}  // namespace chinook::compare

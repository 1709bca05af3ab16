// `chinook-compare history ...`: the command line over history.h.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "history.h"

namespace chinook::compare {

namespace {

constexpr char kHistoryUsage[] = R"(usage:
  chinook-compare history add RESULTS.json [--dir DIR] [--class NAME]
  chinook-compare history detect [--dir DIR] [--class NAME] [options]
  chinook-compare history report --html FILE [--markdown FILE] [--dir DIR] [--class NAME] [options]
  chinook-compare history baseline --out FILE [--runs N] [--dir DIR] [--class NAME | --like RESULTS.json]
  chinook-compare history classes [--dir DIR]

add       records a Google Benchmark results file (with its provenance) as one file under
          DIR/<machine class>/; never overwrites a recorded run
detect    change points per benchmark (E-divisive means, permutation test, minimum segment);
          exit 1 when a series' newest step is a regression beyond its threshold
report    detect, and write a self-contained HTML page (a trend chart per benchmark, change
          points marked, commit and date of every point on hover) and/or Markdown
baseline  pools the newest N runs (default 3) of the class into one results file for comparing
          a new run; says which runs it used
classes   the machine classes DIR holds

options:
  --dir DIR          the history (default baselines/history)
  --class NAME       machine class (default: the class of --like, else the only class in DIR)
  --like FILE        take the machine class from this results file
  --gates FILE       thresholds and metric directions (see the gates file format)
  --alpha A          false-alarm rate over the whole history (default 0.05), divided over series
  --min-segment N    runs on each side of a change point (default 5)
  --metric NAME      metric to follow (repeatable; default each benchmark's declared clock)
  --markdown FILE, --html FILE  also write these reports
exit status: 0 fine, 1 a current regression (detect/report), 2 bad usage or bad input.
)";

int Usage(const std::string& what) {
  std::cerr << "chinook-compare history: " << what << "\n\n" << kHistoryUsage;
  return 2;
}

int Error(const Status& s) {
  std::cerr << "chinook-compare history: error: " << s.message() << "\n";
  return 2;
}

Status Write(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out) {
      std::remove(tmp.c_str());
      return InvalidArgumentError(path + ": cannot write");
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return InvalidArgumentError(path + ": cannot write");
  }
  return Status::Ok();
}

}  // namespace

int HistoryMain(const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::cout << kHistoryUsage;
    return args.empty() ? 2 : 0;
  }
  const std::string verb = args[0];
  std::string dir = "baselines/history", cls, like, gates, out, html, markdown;
  std::vector<std::string> positional, metrics;
  HistoryOptions options;
  int runs_wanted = 3;
  for (size_t i = 1; i < args.size(); ++i) {
    std::string a = args[i], value;
    bool inline_value = false;
    if (a == "--help" || a == "-h") {
      std::cout << kHistoryUsage;
      return 0;
    }
    if (a.rfind("--", 0) != 0) {
      positional.push_back(a);
      continue;
    }
    if (const size_t eq = a.find('='); eq != std::string::npos) {
      value = a.substr(eq + 1);
      a = a.substr(0, eq);
      inline_value = true;
    } else if (i + 1 < args.size()) {
      value = args[i + 1];
    } else {
      return Usage(a + " needs a value");
    }
    if (!inline_value) ++i;
    char* end = nullptr;
    const double number = std::strtod(value.c_str(), &end);
    const bool is_number = !value.empty() && *end == '\0';
    if (a == "--dir") {
      dir = value;
    } else if (a == "--class") {
      cls = value;
    } else if (a == "--like") {
      like = value;
    } else if (a == "--gates") {
      gates = value;
    } else if (a == "--out") {
      out = value;
    } else if (a == "--html") {
      html = value;
    } else if (a == "--markdown") {
      markdown = value;
    } else if (a == "--metric") {
      options.metrics.push_back(value);
    } else if (a == "--alpha") {
      if (!is_number || !(number > 0 && number < 1)) return Usage("--alpha must be between 0 and 1");
      options.change_points.alpha = number;
    } else if (a == "--min-segment") {
      if (!is_number || number < 2 || number > 1000 || number != static_cast<int>(number)) {
        return Usage("--min-segment must be a whole number from 2 to 1000");
      }
      options.change_points.min_segment = static_cast<int>(number);
    } else if (a == "--runs") {
      if (!is_number || number < 1 || number > 1000 || number != static_cast<int>(number)) {
        return Usage("--runs must be a whole number from 1 to 1000");
      }
      runs_wanted = static_cast<int>(number);
    } else {
      return Usage("unknown option " + a);
    }
  }

  if (verb == "add") {
    if (positional.size() != 1) return Usage("add needs one results file");
    Result<std::string> stored = AddToHistory(positional[0], dir, cls);
    if (!stored.ok()) return Error(stored.status());
    std::cout << "history: recorded " << *stored << "\n";
    return 0;
  }
  if (verb == "classes") {
    for (const std::string& c : HistoryClasses(dir)) std::cout << c << "\n";
    return 0;
  }
  if (verb != "detect" && verb != "report" && verb != "baseline") return Usage("unknown history command \"" + verb + "\"");
  if (!positional.empty()) return Usage(verb + " takes no file arguments");
  if (cls.empty() && !like.empty()) {
    Result<BenchmarkRun> r = ReadBenchmarkFile(like);
    if (!r.ok()) return Error(r.status());
    cls = MachineClass(*r);
  }
  if (cls.empty()) {
    const std::vector<std::string> classes = HistoryClasses(dir);
    if (classes.size() != 1) {
      return Usage(classes.empty() ? dir + " holds no history" : dir + " holds several machine classes: pick one with --class");
    }
    cls = classes[0];
  }
  Result<std::vector<HistoryRun>> runs = LoadHistory(dir, cls);
  if (!runs.ok()) return Error(runs.status());
  if (verb == "baseline") {
    if (out.empty()) return Usage("baseline needs --out FILE");
    if (runs->empty()) {
      std::cerr << "chinook-compare history: no recorded runs for machine class " << cls << " in " << dir << "\n";
      return 1;
    }
    std::vector<std::string> used;
    Result<BenchmarkRun> pooled = RecentBaseline(*runs, runs_wanted, &used);
    if (!pooled.ok()) return Error(pooled.status());
    if (Status s = Write(out, WriteBenchmarkJson(*pooled)); !s.ok()) return Error(s);
    std::cerr << "history: baseline for " << cls << " from " << used.size() << " recorded run(s):\n";
    for (const std::string& u : used) std::cerr << "  " << u << "\n";
    return 0;
  }
  if (runs->empty()) return Error(InvalidArgumentError("no recorded runs for machine class " + cls + " in " + dir));
  GatesConfig config;
  if (!gates.empty()) {
    Result<GatesConfig> loaded = LoadGates(gates);
    if (!loaded.ok()) return Error(loaded.status());
    config = std::move(*loaded);
  }
  if (verb == "report" && html.empty() && markdown.empty()) return Usage("report needs --html FILE and/or --markdown FILE");
  const HistoryAnalysis analysis = AnalyzeHistory(std::move(*runs), config, options);
  std::cout << RenderHistoryText(analysis);
  if (!html.empty()) {
    if (Status s = Write(html, RenderHistoryHtml(analysis)); !s.ok()) return Error(s);
  }
  if (!markdown.empty()) {
    if (Status s = Write(markdown, RenderHistoryMarkdown(analysis)); !s.ok()) return Error(s);
  }
  std::cout << std::flush;
  if (!std::cout) return Error(InvalidArgumentError("cannot write to standard output"));
  return analysis.NewestRegression() ? 1 : 0;
}

}  // namespace chinook::compare

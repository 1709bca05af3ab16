// `chinook-compare history ...`: the command line over history.h.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "common/flags.h"
#include "history.h"
#include "output.h"
#include "report.h"

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

int Error(const Status& s) {
  std::cerr << "chinook-compare history: error: " << Printable(s.message()) << "\n";
  return 2;
}

}  // namespace

int HistoryMain(const std::vector<std::string>& args) {
  tools::FlagParser parser("chinook-compare history", kHistoryUsage,
                           {.escape = [](std::string_view m) { return Printable(m); }});
  const auto Usage = [&parser](const std::string& what) { return parser.UsageError(what); };
  std::string dir = "baselines/history", cls, like, gates, out, html, markdown;
  std::vector<std::string> positional;
  HistoryOptions options;
  int runs_wanted = 3;
  parser.String("dir", &dir);
  parser.String("class", &cls);
  parser.String("like", &like);
  parser.String("gates", &gates);
  parser.String("out", &out);
  parser.String("html", &html);
  parser.String("markdown", &markdown);
  parser.Strings("metric", &options.metrics);
  parser.Number("alpha", &options.change_points.alpha, {.min = 0, .max = 1, .min_open = true, .max_open = true});
  parser.Integer("min-segment", &options.change_points.min_segment, 2, 1000);
  parser.Integer("runs", &runs_wanted, 1, 1000);
  parser.Positional(&positional);
  if (std::optional<int> exit = parser.Parse(args, std::cout, std::cerr)) return *exit;
  if (positional.empty()) return Usage("needs a command: add, detect, report, baseline or classes");
  const std::string verb = positional.front();
  positional.erase(positional.begin());

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
    std::vector<std::string> used, left_out;
    Result<BenchmarkRun> pooled = RecentBaseline(*runs, runs_wanted, &used, &left_out);
    if (!pooled.ok()) return Error(pooled.status());
    if (Status s = WriteFileAtomically(out, WriteBenchmarkJson(*pooled)); !s.ok()) return Error(s);
    std::cerr << "history: baseline for " << cls << " from " << used.size() << " recorded run(s):\n";
    for (const std::string& u : used) std::cerr << "  " << u << "\n";
    for (const std::string& name : left_out) {
      std::cerr << "history: " << name << " is only in older runs, not in the newest: left out of the baseline\n";
    }
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
  if (Status s = CheckOutputs({{"--html", html}, {"--markdown", markdown}}, {}); !s.ok()) return Error(s);
  if (Status s = WriteStdout(RenderHistoryText(analysis)); !s.ok()) return Error(s);
  if (!html.empty()) {
    if (Status s = WriteFileAtomically(html, RenderHistoryHtml(analysis)); !s.ok()) return Error(s);
  }
  if (!markdown.empty()) {
    if (Status s = WriteFileAtomically(markdown, RenderHistoryMarkdown(analysis)); !s.ok()) return Error(s);
  }
  return analysis.NewestRegression() ? 1 : 0;
}

}  // namespace chinook::compare

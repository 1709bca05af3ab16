// chinook-compare: verdicts on Google Benchmark results that survive a noisy machine.
//
//   chinook-compare [options] BASELINE.json CURRENT.json
//   chinook-compare ab [options] BASE_BINARY HEAD_BINARY [-- BENCHMARK_ARGS...]
//   chinook-compare check [options] RESULTS.json
//
// Exit codes: 0 pass; 1 a regression, a failed or missing gate, a benchmark that failed in the
// current run (or an inconclusive one with --fail-on-inconclusive); 2 bad usage or bad input.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "ab.h"
#include "common/flags.h"
#include "compare.h"
#include "gates.h"
#include "gbench.h"
#include "output.h"
#include "report.h"

namespace chinook::compare {

int HistoryMain(const std::vector<std::string>& args);  // history_cli.cc

namespace {

constexpr char kUsage[] = R"(usage:
  chinook-compare [options] BASELINE.json CURRENT.json
  chinook-compare ab [options] BASE_BINARY HEAD_BINARY [-- BENCHMARK_ARGS...]
  chinook-compare check [options] RESULTS.json
  chinook-compare history add|detect|report|baseline|classes ...   (history --help)

Compares Google Benchmark JSON results: per benchmark and metric the median change, its
Hodges-Lehmann interval and a Mann-Whitney U p-value (Wilcoxon signed-rank on paired rounds in
ab mode), corrected for testing many benchmarks at once; verdicts regression, improvement,
unchanged or inconclusive. `ab` runs two benchmark programs interleaved (A B B A ...) so that
machine drift cancels; `check` evaluates only the gates within one results file.

options:
  --gates FILE            gates file: ratios, bounds, thresholds, metric rules (format: gates.h)
  --format FORMAT         text | markdown | json | html on stdout (default text)
  --output FILE           write that report to FILE instead of stdout
  --markdown FILE         also write the Markdown report to FILE (likewise --html, --json)
  --threshold PCT         default regression threshold in percent (gates file default: 5)
  --alpha A               chance of any false alarm, after correction (default 0.01)
  --correction C          holm | bh | none (default holm)
  --confidence C          interval confidence (default 0.95)
  --metric NAME           time metric that carries verdicts; repeat for several
                          (default: each benchmark's own clock, real_time for names
                          ending /real_time or /manual_time, else cpu_time)
  --fail-on-inconclusive  an inconclusive benchmark fails the comparison
  --advisory              regressions are reported but do not fail (gates still do)
  --allow-absent          skip gates whose benchmarks are not in the run (filtered runs)
  --all-metrics           text/markdown: also show metrics that carry no verdict
  --color WHEN            auto | always | never (default auto: only on a terminal)
  --seed N                bootstrap seed (default fixed: reports are reproducible)
ab mode (adaptive: each round runs every unsettled benchmark once per side, one short process
each, base and head back to back; a sequential test decides after each look, so benchmarks stop
as soon as they are settled and the rest get the remaining time):
  --budget DURATION       wall-clock budget, e.g. 300, 90s, 5m, 1h (default 5m); when it runs
                          out, what is unsettled is reported inconclusive with its MDE
  --max-rounds N          at most N rounds per benchmark (default 100)
  --rounds N              exactly N rounds of every benchmark, no adaptive stopping or budget
  --equal-rounds          every unsettled benchmark in every round (default under a budget:
                          a benchmark whose pair of processes costs c runs in sqrt(c_min/c) of
                          the rounds, so cheap benchmarks get more pairs than 7 s database ones)
  --duet WHEN             auto (default): a pair of a single-threaded benchmark judged on CPU
                          time runs as a duet, base and head at once on one CPU, so both see
                          the same machine; real-time and multi-threaded ones run back to back;
                          off: every pair back to back
  --sequential REGEX      benchmarks never run as duets (they share outside state, e.g. rows)
  --interleave WHAT       benchmark (default: one process per benchmark and side) or program
                          (the whole program per process, as before)
  --timeout SECONDS       deadline for one run of one program (default 1800)
  --work-dir DIR          keep per-round JSON and logs in DIR
  --quiet                 no progress lines on stderr
  Unless the arguments after -- set them, each process runs --benchmark_repetitions=3
  --benchmark_min_time=0.05 (the per-round figure is the median of the three).

exit status: 0 pass, 1 regression or failed gate, 2 bad usage or bad input.
)";

struct Args {
  std::string mode = "files";
  std::vector<std::string> positional;
  std::vector<std::string> benchmark_args;
  std::string gates;
  Format format = Format::kText;
  std::string output, markdown, html, json;
  std::optional<double> threshold_pct, alpha, confidence;
  std::optional<Correction> correction;
  std::vector<std::string> metrics;
  bool fail_on_inconclusive = false, advisory = false, allow_absent = false, all_metrics = false, quiet = false;
  std::string color = "auto";
  std::optional<uint64_t> seed;
  int max_rounds = AbOptions().max_rounds;
  bool fixed_rounds = false;
  bool equal_rounds = false;
  bool duet = true;
  std::string sequential;
  double budget = AbOptions().budget_seconds;
  bool per_benchmark = true;
  double timeout = AbOptions().run_timeout_seconds;
  std::string work_dir;
};

// Reads the command line into *a. nullopt: run; else the exit status, the usage or the error
// printed (escaped: values are echoed, and must not drive the terminal).
std::optional<int> ParseArgs(int argc, char** argv, Args* a) {
  std::vector<std::string> list(argv + 1, argv + argc);
  if (!list.empty() && (list[0] == "ab" || list[0] == "check" || list[0] == "compare")) {
    a->mode = list[0] == "compare" ? "files" : list[0];
    list.erase(list.begin());
  }
  tools::FlagParser parser("chinook-compare", kUsage,
                           {.hint_instead_of_usage = true, .escape = [](std::string_view m) { return Printable(m); }});
  parser.String("gates", &a->gates);
  parser.Custom("format", [a](const std::string& v) -> Status {
    CHINOOK_ASSIGN_OR_RETURN(a->format, ParseFormat(v));
    return Status::Ok();
  });
  parser.String("output", &a->output);
  parser.String("markdown", &a->markdown);
  parser.String("html", &a->html);
  parser.String("json", &a->json);
  const auto optional_number = [](std::optional<double>* out, tools::NumberRange range) {
    return [out, range](const std::string& v) -> Status {
      CHINOOK_ASSIGN_OR_RETURN(*out, tools::ParseNumber(v, range));
      return Status::Ok();
    };
  };
  parser.Custom("threshold", optional_number(&a->threshold_pct, {.min = 0}));
  parser.Custom("alpha", optional_number(&a->alpha, {.min = 0, .max = 1, .min_open = true, .max_open = true}));
  parser.Custom("confidence", optional_number(&a->confidence, {.min = 0, .max = 1, .min_open = true, .max_open = true}));
  parser.Choice("correction", {"holm", "bh", "none"}, [a](const std::string& v) {
    a->correction = v == "holm" ? Correction::kHolm : v == "bh" ? Correction::kBenjaminiHochberg : Correction::kNone;
  });
  parser.Choice("metric", {std::string(kCpuTime), std::string(kRealTime)},
                [a](const std::string& v) { a->metrics.push_back(v); });
  parser.Choice("color", &a->color, {"auto", "always", "never"});
  parser.Custom("seed", [a](const std::string& v) -> Status {
    CHINOOK_ASSIGN_OR_RETURN(a->seed, tools::ParseInteger<uint64_t>(v, 0, UINT64_MAX));
    return Status::Ok();
  });
  for (const bool fixed : {true, false}) {
    parser.Custom(fixed ? "rounds" : "max-rounds", [a, fixed](const std::string& v) -> Status {
      CHINOOK_ASSIGN_OR_RETURN(a->max_rounds, tools::ParseInteger(v, 2, 1000));
      a->fixed_rounds = fixed;
      return Status::Ok();
    });
  }
  parser.Custom("budget", [a](const std::string& v) -> Status {
    CHINOOK_ASSIGN_OR_RETURN(a->budget, ParseDuration(v));
    return Status::Ok();
  });
  parser.Choice("duet", {"auto", "off"}, [a](const std::string& v) { a->duet = v == "auto"; });
  parser.Custom("sequential", [a](const std::string& v) -> Status {
    try {
      (void)std::regex(v, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      return InvalidArgumentError("not a regular expression: " + v + " (" + e.what() + ")");
    }
    a->sequential = v;
    return Status::Ok();
  });
  parser.Choice("interleave", {"benchmark", "program"},
                [a](const std::string& v) { a->per_benchmark = v == "benchmark"; });
  parser.Custom("timeout", [a](const std::string& v) -> Status {
    CHINOOK_ASSIGN_OR_RETURN(a->timeout, tools::ParseNumber(v, {.min = 0, .min_open = true}));
    return Status::Ok();
  });
  parser.String("work-dir", &a->work_dir);
  parser.Bool("fail-on-inconclusive", &a->fail_on_inconclusive);
  parser.Bool("advisory", &a->advisory);
  parser.Bool("allow-absent", &a->allow_absent);
  parser.Bool("all-metrics", &a->all_metrics);
  parser.Bool("quiet", &a->quiet);
  parser.Bool("equal-rounds", &a->equal_rounds);
  parser.Positional(&a->positional);
  parser.Rest(&a->benchmark_args);
  if (std::optional<int> exit = parser.Parse(list, std::cout, std::cerr)) return exit;

  const size_t want = a->mode == "check" ? 1 : 2;
  if (a->positional.size() != want) {
    return parser.UsageError(a->mode == "check" ? "check needs one results file"
                             : a->mode == "ab"  ? "ab needs two benchmark programs"
                                                : "needs a baseline and a current results file");
  }
  if (a->mode != "ab" && !a->benchmark_args.empty()) return parser.UsageError("arguments after -- are for ab mode only");
  return std::nullopt;
}

// Messages quote benchmark names and file contents: escaped, so that they cannot drive the terminal.
int Fail(const Status& s) {
  std::cerr << "chinook-compare: error: " << Printable(s.message()) << "\n";
  return tools::kExitUsage;
}

// The files a run reads, for CheckOutputs: no report may be written over one of them.
std::vector<NamedPath> Inputs(const Args& a) {
  std::vector<NamedPath> in;
  const char* names[] = {a.mode == "ab" ? "base program" : a.mode == "check" ? "results file" : "baseline",
                         a.mode == "ab" ? "head program" : "current results"};
  for (size_t i = 0; i < a.positional.size() && i < 2; ++i) in.emplace_back(names[i], a.positional[i]);
  in.emplace_back("--gates", a.gates);
  return in;
}

int Main(int argc, char** argv) {
  if (argc >= 2 && std::string(argv[1]) == "history") return HistoryMain(std::vector<std::string>(argv + 2, argv + argc));
  Args a;
  if (std::optional<int> exit = ParseArgs(argc, argv, &a)) return *exit;
  // Before any work: an ab run can take many minutes, and a report must never replace its input.
  if (Status s = CheckOutputs({{"--output", a.output}, {"--markdown", a.markdown}, {"--html", a.html}, {"--json", a.json}},
                              Inputs(a));
      !s.ok()) {
    return Fail(s);
  }

  GatesConfig config;
  if (!a.gates.empty()) {
    Result<GatesConfig> loaded = LoadGates(a.gates);
    if (!loaded.ok()) return Fail(loaded.status());
    config = std::move(*loaded);
  }
  if (a.threshold_pct) config.threshold = *a.threshold_pct / 100;
  if (a.alpha) config.alpha = *a.alpha;
  if (a.confidence) config.confidence = *a.confidence;
  if (a.correction) config.correction = *a.correction;

  CompareOptions options;
  if (!a.metrics.empty()) options.time_metrics = a.metrics;
  options.allow_absent = a.allow_absent;
  options.advisory = a.advisory;
  options.fail_on_inconclusive = a.fail_on_inconclusive;
  if (a.seed) options.seed = *a.seed;

  Report report;
  if (a.mode == "check") {
    Result<BenchmarkRun> run = ReadBenchmarkFile(a.positional[0]);
    if (!run.ok()) return Fail(run.status());
    report = CheckRun(*run, config, options);
  } else if (a.mode == "ab") {
    AbOptions ab;
    ab.max_rounds = a.max_rounds;
    ab.fixed_rounds = a.fixed_rounds;
    ab.cost_weighted = !a.equal_rounds;
    ab.duet = a.duet ? AbOptions::Duet::kAuto : AbOptions::Duet::kOff;
    ab.sequential = a.sequential;
    ab.budget_seconds = a.budget;
    ab.per_benchmark = a.per_benchmark;
    ab.benchmark_args = a.benchmark_args;
    ab.work_dir = a.work_dir;
    ab.run_timeout_seconds = a.timeout;
    if (a.seed) ab.seed = *a.seed;
    if (!a.quiet) ab.progress = [](const std::string& line) { std::cerr << "chinook-compare ab: " << Printable(line) << "\n"; };
    options.sequential.enabled = !a.fixed_rounds;
    // After each round: the engine's verdicts at the sequential plan's looks say which benchmarks
    // are settled (no bootstrap: the geometric mean is not needed for that).
    CompareOptions interim = options;
    interim.bootstrap_resamples = 0;
    ab.settled = [&](const AbRuns& so_far) {
      std::set<std::string> settled;
      const Report interim_report = ComparePaired(so_far.base, so_far.head, config, interim);
      for (const BenchmarkComparison& b : interim_report.benchmarks) {
        if (b.settled) settled.insert(b.name);
      }
      return settled;
    };
    Result<AbRuns> runs = RunInterleaved(a.positional[0], a.positional[1], ab);
    if (!runs.ok()) return Fail(runs.status());
    report = ComparePaired(runs->base, runs->head, config, options);
    report.base_label = a.positional[0];
    report.head_label = a.positional[1];
    report.seconds = runs->seconds;
    report.budget_seconds = a.fixed_rounds ? 0 : a.budget;
    report.budget_exhausted = runs->budget_exhausted;
    for (const std::string& n : runs->notes) report.warnings.push_back(n);
    if (runs->budget_exhausted) {
      std::string names;
      for (const std::string& n : runs->unsettled) names += (names.empty() ? "" : ", ") + n;
      report.warnings.push_back("the budget (" + std::to_string(static_cast<long>(a.budget)) + " s) ran out after " +
                                std::to_string(report.rounds) + " rounds with " +
                                std::to_string(runs->unsettled.size()) + " benchmark(s) unsettled: " + names +
                                "; their MDE says what this sample could see; a longer --budget may settle them");
    }
  } else {
    Result<BenchmarkRun> base = ReadBenchmarkFile(a.positional[0]);
    if (!base.ok()) return Fail(base.status());
    Result<BenchmarkRun> head = ReadBenchmarkFile(a.positional[1]);
    if (!head.ok()) return Fail(head.status());
    report = CompareFiles(*base, *head, config, options);
  }

  RenderOptions render;
  render.all_metrics = a.all_metrics;
  const bool to_terminal = a.output.empty() && isatty(STDOUT_FILENO) == 1;
  const char* term = std::getenv("TERM");
  render.color = a.format == Format::kText &&
                 (a.color == "always" || (a.color == "auto" && to_terminal && std::getenv("NO_COLOR") == nullptr &&
                                          !(term != nullptr && std::string(term) == "dumb")));
  const std::string text = Render(report, a.format, render);
  if (a.output.empty()) {
    if (Status s = WriteStdout(text); !s.ok()) return Fail(s);
  } else if (Status s = WriteFileAtomically(a.output, text); !s.ok()) {
    return Fail(s);
  }
  RenderOptions plain = render;
  plain.color = false;
  for (const auto& [path, format] : {std::pair{a.markdown, Format::kMarkdown}, std::pair{a.html, Format::kHtml},
                                     std::pair{a.json, Format::kJson}}) {
    if (path.empty()) continue;
    if (Status s = WriteFileAtomically(path, Render(report, format, plain)); !s.ok()) return Fail(s);
  }
  for (const std::string& e : report.input_errors) std::cerr << "chinook-compare: error: " << Printable(e) << "\n";
  if (Status s = CloseStdout(); !s.ok()) return Fail(s);
  return report.ExitCode();
}

}  // namespace
}  // namespace chinook::compare

int main(int argc, char** argv) { return chinook::compare::Main(argc, argv); }

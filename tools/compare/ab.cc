#include "ab.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <thread>

#include "compare.h"
#include "stats.h"

extern char** environ;

namespace chinook::compare {

namespace {

using SteadyClock = std::chrono::steady_clock;

// How long to wait after SIGTERM before SIGKILL, and how often to poll a running child.
constexpr std::chrono::seconds kTermGrace(5);
constexpr std::chrono::milliseconds kPollInterval(10);
constexpr double kListTimeoutSeconds = 120;

// Set by the handlers RunInterleaved installs; read by the wait loop.
volatile sig_atomic_t g_signal = 0;
int g_last_signal = 0;

void OnSignal(int sig) { g_signal = sig; }

// Installs handlers for SIGINT, SIGTERM and SIGHUP for its lifetime.
class SignalScope {
 public:
  SignalScope() {
    g_signal = 0;
    g_last_signal = 0;
    struct sigaction sa {};
    sa.sa_handler = OnSignal;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < kSignals.size(); ++i) sigaction(kSignals[i], &sa, &old_[i]);
  }
  ~SignalScope() {
    for (size_t i = 0; i < kSignals.size(); ++i) sigaction(kSignals[i], &old_[i], nullptr);
  }
  SignalScope(const SignalScope&) = delete;
  SignalScope& operator=(const SignalScope&) = delete;

 private:
  static constexpr std::array<int, 3> kSignals = {SIGINT, SIGTERM, SIGHUP};
  std::array<struct sigaction, 3> old_{};
};

// The last `lines` lines of a file, for error messages.
std::string Tail(const std::string& path, size_t lines) {
  std::ifstream in(path);
  std::deque<std::string> last;
  std::string line;
  while (std::getline(in, line)) {
    last.push_back(line);
    if (last.size() > lines) last.pop_front();
  }
  std::string out;
  for (const std::string& l : last) out += "\n    " + l;
  return out;
}

enum class Wait { kExited, kTimedOut, kInterrupted };

// Waits for `pid` until `deadline` or a signal to the tool.
Wait WaitUntil(pid_t pid, SteadyClock::time_point deadline, int* status) {
  while (true) {
    const pid_t r = waitpid(pid, status, WNOHANG);
    if (r == pid) return Wait::kExited;
    if (r < 0 && errno != EINTR) return Wait::kExited;  // nothing to wait for: treat as gone
    if (g_signal != 0) return Wait::kInterrupted;
    if (SteadyClock::now() >= deadline) return Wait::kTimedOut;
    std::this_thread::sleep_for(kPollInterval);
  }
}

// SIGTERM to the group, SIGKILL after the grace period; reaps the child.
void StopGroup(pid_t pid, int* status) {
  kill(-pid, SIGTERM);
  const auto grace = SteadyClock::now() + kTermGrace;
  while (SteadyClock::now() < grace) {
    const pid_t r = waitpid(pid, status, WNOHANG);
    if (r == pid || (r < 0 && errno != EINTR)) break;
    std::this_thread::sleep_for(kPollInterval);
  }
  kill(-pid, SIGKILL);
  waitpid(pid, status, 0);
}

std::string Seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s", s);
  return buf;
}

double Since(SteadyClock::time_point t) { return std::chrono::duration<double>(SteadyClock::now() - t).count(); }

bool HasFlag(const std::vector<std::string>& args, const std::string& flag) {
  return std::any_of(args.begin(), args.end(), [&](const std::string& a) {
    return a == flag || a.rfind(flag + "=", 0) == 0;
  });
}

// The user's arguments without the ones ab sets itself.
std::vector<std::string> RunArgs(const std::vector<std::string>& args, bool drop_filter) {
  std::vector<std::string> out;
  for (const std::string& a : args) {
    if (a.rfind("--benchmark_out", 0) == 0 || a.rfind("--benchmark_list_tests", 0) == 0) continue;
    if (drop_filter && a.rfind("--benchmark_filter", 0) == 0) continue;
    out.push_back(a);
  }
  return out;
}

// The benchmark names a program would run with `args` (--benchmark_list_tests).
Result<std::vector<std::string>> ListBenchmarks(const std::string& bin, const std::vector<std::string>& args,
                                                const std::string& log_path) {
  std::vector<std::string> argv = {bin};
  const std::vector<std::string> kept = RunArgs(args, /*drop_filter=*/false);
  argv.insert(argv.end(), kept.begin(), kept.end());
  argv.push_back("--benchmark_list_tests=true");
  // The names come on stdout, one per line; what else the program says goes to stderr (Google
  // Benchmark's "Failed to match any benchmarks", warnings), kept apart.
  const std::string names_path = log_path + ".names";
  if (Status s = RunProgram(argv, names_path, kListTimeoutSeconds, log_path); !s.ok()) {
    return s.Annotate("ab: listing the benchmarks of " + bin + Tail(log_path, 5));
  }
  std::ifstream in(names_path);
  std::vector<std::string> names;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    names.push_back(line);
  }
  return names;
}

struct Sampled {
  std::string name;
  bool in_base = false;
  bool in_head = false;
  double last_pair_seconds = 0;
  int pairs = 0;  // rounds it ran in
  double seconds = 0;  // spent on its pairs
  double PairCost() const { return pairs > 0 ? seconds / pairs : 0; }
  bool done = false;
};

}  // namespace

int InterruptSignal() { return g_last_signal; }

std::string ExactFilter(const std::string& name) {
  std::string out = "^";
  for (char c : name) {
    if (std::strchr(".[]{}()\\*+?|^$", c) != nullptr) out += '\\';
    out += c;
  }
  out += '$';
  return out;
}

Result<double> ParseDuration(const std::string& text) {
  if (text.empty()) return InvalidArgumentError("empty duration");
  double total = 0;
  size_t i = 0;
  bool any = false;
  while (i < text.size()) {
    const char* start = text.c_str() + i;
    char* end = nullptr;
    const double v = std::strtod(start, &end);
    if (end == start || !(v >= 0) || !std::isfinite(v)) {
      return InvalidArgumentError("not a duration: \"" + text + "\" (e.g. 300, 90s, 5m, 1h30m)");
    }
    i += static_cast<size_t>(end - start);
    double unit = 1;
    if (i < text.size()) {
      switch (text[i]) {
        case 's': unit = 1; ++i; break;
        case 'm': unit = 60; ++i; break;
        case 'h': unit = 3600; ++i; break;
        default: return InvalidArgumentError("not a duration: \"" + text + "\" (units s, m, h)");
      }
    } else if (any) {
      return InvalidArgumentError("not a duration: \"" + text + "\" (a unit after every number but a lone one)");
    }
    total += v * unit;
    any = true;
  }
  if (!(total < 1e9)) return InvalidArgumentError("duration out of range: \"" + text + "\"");
  return total;
}

namespace {

// Starts argv[0] in a process group of its own (see RunProgram); on `cpu` >= 0 pinned to that CPU
// (the child inherits the calling thread's affinity, set around the spawn and restored).
Result<pid_t> SpawnProgram(const std::vector<std::string>& argv, const std::string& log_path,
                           const std::string& stderr_path, int cpu) {
  if (g_signal != 0) return FailedPreconditionError(std::string("interrupted by ") + strsignal(g_signal));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (stderr_path.empty()) {
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  } else {
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  }
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // A group of its own, so that a timeout or a signal stops grandchildren too; and the default
  // disposition for the signals the tool handles.
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGINT);
  sigaddset(&defaults, SIGTERM);
  sigaddset(&defaults, SIGHUP);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  cpu_set_t saved;
  const bool pin = cpu >= 0 && sched_getaffinity(0, sizeof saved, &saved) == 0;
  if (pin) {
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    (void)sched_setaffinity(0, sizeof one, &one);
  }
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, args[0], &actions, &attr, args.data(), environ);
  if (pin) (void)sched_setaffinity(0, sizeof saved, &saved);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) return FailedPreconditionError(argv[0] + ": cannot start: " + std::strerror(rc));
  return pid;
}

// Waits for a process SpawnProgram started, until `deadline`; see RunProgram.
Status AwaitProgram(pid_t pid, const std::vector<std::string>& argv, const std::string& log_path,
                    SteadyClock::time_point deadline, double timeout_seconds) {
  int status = 0;
  const Wait w = WaitUntil(pid, deadline, &status);
  if (w != Wait::kExited) {
    StopGroup(pid, &status);
    if (w == Wait::kInterrupted) {
      g_last_signal = g_signal;
      return FailedPreconditionError(std::string("interrupted by ") + strsignal(g_signal) + ": stopped " + argv[0] +
                                     " (pid " + std::to_string(pid) + ") and its process group");
    }
    return DeadlineExceededError(argv[0] + ": still running after " + std::to_string(static_cast<long>(timeout_seconds)) +
                                 " s; killed with its process group" + Tail(log_path, 10));
  }
  kill(-pid, SIGKILL);  // whatever the program left running in its group
  if (WIFSIGNALED(status)) {
    return InternalError(argv[0] + ": killed by signal " + std::to_string(WTERMSIG(status)) + " (" +
                         strsignal(WTERMSIG(status)) + ")" + Tail(log_path, 10));
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return FailedPreconditionError(argv[0] + ": exited with status " + std::to_string(WEXITSTATUS(status)) +
                                   Tail(log_path, 10));
  }
  return Status::Ok();
}

SteadyClock::time_point DeadlineIn(double seconds) {
  return SteadyClock::now() + std::chrono::duration_cast<SteadyClock::duration>(std::chrono::duration<double>(seconds));
}

}  // namespace

Status RunProgram(const std::vector<std::string>& argv, const std::string& log_path, double timeout_seconds,
                  const std::string& stderr_path) {
  CHINOOK_ASSIGN_OR_RETURN(const pid_t pid, SpawnProgram(argv, log_path, stderr_path, -1));
  return AwaitProgram(pid, argv, log_path, DeadlineIn(timeout_seconds), timeout_seconds);
}

std::array<Status, 2> RunDuet(const std::array<const std::vector<std::string>*, 2>& argv,
                              const std::array<std::string, 2>& log_path, double timeout_seconds, int cpu) {
  std::array<Status, 2> out;
  std::array<pid_t, 2> pid = {-1, -1};
  for (int k = 0; k < 2; ++k) {
    Result<pid_t> started = SpawnProgram(*argv[k], log_path[k], "", cpu);
    if (started.ok()) {
      pid[k] = *started;
    } else {
      out[k] = started.status();
    }
  }
  const SteadyClock::time_point deadline = DeadlineIn(timeout_seconds);
  for (int k = 0; k < 2; ++k) {
    if (pid[k] > 0) out[k] = AwaitProgram(pid[k], *argv[k], log_path[k], deadline, timeout_seconds);
  }
  return out;
}

int DuetCpu() {
  cpu_set_t allowed;
  if (sched_getaffinity(0, sizeof allowed, &allowed) != 0) return -1;
  for (int cpu = CPU_SETSIZE - 1; cpu >= 0; --cpu) {
    if (CPU_ISSET(cpu, &allowed)) return cpu;
  }
  return -1;
}

bool RunsAsDuet(const std::string& name, const AbOptions& options) {
  if (options.duet == AbOptions::Duet::kOff) return false;
  if (DeclaredTimeMetric(name) != kCpuTime) return false;  // real time: two processes would wait on each other
  // Several threads on one CPU measure something else than the benchmark means (no contention).
  if (const size_t at = name.find("/threads:"); at != std::string::npos && std::atoi(name.c_str() + at + 9) > 1) {
    return false;
  }
  if (!options.sequential.empty()) {
    try {
      if (std::regex_search(name, std::regex(options.sequential, std::regex::ECMAScript))) return false;
    } catch (const std::regex_error&) {
      return false;  // rejected when the options were parsed
    }
  }
  return true;
}

Result<AbRuns> RunInterleaved(const std::string& base_binary, const std::string& head_binary,
                              const AbOptions& options) {
  if (options.max_rounds < 1) return InvalidArgumentError("ab: need at least one round");
  for (const std::string& bin : {base_binary, head_binary}) {
    if (access(bin.c_str(), X_OK) != 0) {
      return InvalidArgumentError(bin + ": not an executable file (" + std::strerror(errno) + ")");
    }
  }
  const auto started = SteadyClock::now();
  SignalScope signals;
  namespace fs = std::filesystem;
  std::string dir = options.work_dir;
  const bool temporary = dir.empty();
  if (temporary) {
    std::string tmpl = (fs::temp_directory_path() / "chinook-ab.XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) return InternalError("cannot create a temporary directory: " + std::string(std::strerror(errno)));
    dir = tmpl;
  } else {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return InvalidArgumentError(dir + ": cannot create directory: " + ec.message());
  }
  // The temporary directory goes whatever happens below.
  struct Cleanup {
    std::string dir;
    ~Cleanup() {
      if (dir.empty()) return;
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
  } cleanup{temporary ? dir : std::string()};

  std::vector<std::string> common = RunArgs(options.benchmark_args, /*drop_filter=*/options.per_benchmark);
  if (!HasFlag(options.benchmark_args, "--benchmark_repetitions") && options.default_repetitions > 0) {
    common.push_back("--benchmark_repetitions=" + std::to_string(options.default_repetitions));
  }
  if (!HasFlag(options.benchmark_args, "--benchmark_min_time") && !options.default_min_time.empty()) {
    common.push_back("--benchmark_min_time=" + options.default_min_time);
  }

  AbRuns runs;
  std::vector<Sampled> list;
  if (options.per_benchmark) {
    CHINOOK_ASSIGN_OR_RETURN(auto base_names, ListBenchmarks(base_binary, options.benchmark_args, dir + "/list-base.log"));
    CHINOOK_ASSIGN_OR_RETURN(auto head_names, ListBenchmarks(head_binary, options.benchmark_args, dir + "/list-head.log"));
    std::map<std::string, size_t> index;
    for (const auto& [names, side] : {std::pair{&base_names, 0}, std::pair{&head_names, 1}}) {
      for (const std::string& n : *names) {
        auto [it, fresh] = index.emplace(n, list.size());
        if (fresh) list.push_back({.name = n});
        (side == 0 ? list[it->second].in_base : list[it->second].in_head) = true;
      }
    }
    if (list.empty()) {
      return InvalidArgumentError("ab round 1: no benchmarks in either program" +
                                  std::string(HasFlag(options.benchmark_args, "--benchmark_filter")
                                                  ? " matching the --benchmark_filter given"
                                                  : "") +
                                  Tail(dir + "/list-base.log", 3));
    }
    for (const Sampled& s : list) {
      runs.benchmarks.push_back(s.name);
      if (!s.in_head) runs.notes.push_back(s.name + ": only the base program has it");
      if (!s.in_base) runs.notes.push_back(s.name + ": only the head program has it");
    }
  }

  // One process: `bin` with `filter` (per-benchmark mode) into round `round`'s run of `side`.
  struct Launch {
    std::string bin;
    const char* side;
    std::string json_path, log_path, where;
    std::vector<std::string> argv;
  };
  const auto launch_for = [&](const std::string& bin, const char* side, int round, int bench,
                              const std::string& name) {
    char stem[64];
    if (bench < 0) {
      std::snprintf(stem, sizeof stem, "round%02d-%s", round + 1, side);
    } else {
      std::snprintf(stem, sizeof stem, "round%03d-%s-b%03d", round + 1, side, bench);
    }
    Launch l{bin, side, dir + "/" + stem + ".json", dir + "/" + stem + ".log", "", {bin}};
    l.argv.insert(l.argv.end(), common.begin(), common.end());
    if (bench >= 0) l.argv.push_back("--benchmark_filter=" + ExactFilter(name));
    l.argv.push_back("--benchmark_out=" + l.json_path);
    l.argv.push_back("--benchmark_out_format=json");
    l.where = std::string("ab round ") + std::to_string(round + 1) + ", " + side +
              (bench >= 0 ? ", " + name : std::string()) + (temporary ? "" : " (log " + l.log_path + ")");
    return l;
  };
  // Reads what a finished process wrote into `into`.
  const auto collect = [&](const Launch& l, Status st, int bench, const std::string& name, BenchmarkRun* into) -> Status {
    const std::string& where = l.where;
    const char* side = l.side;
    const std::string& bin = l.bin;
    const std::string& json_path = l.json_path;
    if (!st.ok()) return st.Annotate(where);
    Result<BenchmarkRun> run = ReadBenchmarkFile(json_path);
    if (!run.ok()) return run.status().Annotate(where);
    if (bench >= 0 && run->Find(name) == nullptr) {
      return FailedPreconditionError(where + ": the program ran but reported no benchmark named \"" + name + "\"");
    }
    run->source = std::string(side) + " " + bin;
    if (into->benchmarks.empty() && into->context.empty()) {
      *into = std::move(*run);
    } else {
      MergeRuns(*run, into);
    }
    return Status::Ok();
  };
  const auto run_one = [&](const std::string& bin, const char* side, int round, int bench, const std::string& name,
                           BenchmarkRun* into) -> Status {
    const Launch l = launch_for(bin, side, round, bench, name);
    return collect(l, RunProgram(l.argv, l.log_path, options.run_timeout_seconds), bench, name, into);
  };
  const int duet_cpu = DuetCpu();

  stats::Rng rng(options.seed);
  const bool budgeted = options.budget_seconds > 0 && !options.fixed_rounds;
  const auto over_budget = [&](double next_cost) {
    return budgeted && Since(started) + next_cost > options.budget_seconds;
  };
  if (options.per_benchmark && options.progress) {
    int duets = 0;
    for (const Sampled& s : list) duets += s.in_base && s.in_head && RunsAsDuet(s.name, options);
    if (duets > 0) {
      options.progress(std::to_string(duets) + " of " + std::to_string(list.size()) +
                       " benchmarks run as duets (base and head at once, both on CPU " + std::to_string(duet_cpu) +
                       "); the others back to back");
    }
  }
  for (int round = 0; round < options.max_rounds; ++round) {
    BenchmarkRun base_run, head_run;
    base_run.source = "base " + base_binary;
    head_run.source = "head " + head_binary;
    const auto round_start = SteadyClock::now();
    bool stopped = false;
    int pairs = 0;
    if (!options.per_benchmark) {
      // Whole programs: A B, then B A.
      const bool base_first = round % 2 == 0;
      Status st = run_one(base_first ? base_binary : head_binary, base_first ? "base" : "head", round, -1, "",
                          base_first ? &base_run : &head_run);
      if (st.ok()) {
        st = run_one(base_first ? head_binary : base_binary, base_first ? "head" : "base", round, -1, "",
                     base_first ? &head_run : &base_run);
      }
      if (!st.ok()) return st;
      pairs = 1;
    } else {
      std::vector<size_t> order;
      for (size_t i = 0; i < list.size(); ++i) {
        if (!list[i].done) order.push_back(i);
      }
      for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[rng.Below(i)]);
      double cheapest = 0;
      for (const size_t i : order) {
        const double c = list[i].PairCost();
        if (c > 0 && (cheapest == 0 || c < cheapest)) cheapest = c;
      }
      for (const size_t i : order) {
        Sampled& s = list[i];
        // Its share of the rounds so far, by cost (see AbOptions::cost_weighted).
        if (budgeted && options.cost_weighted && round > 0 && cheapest > 0 && s.PairCost() > cheapest &&
            s.pairs >= 1 + round * std::sqrt(cheapest / s.PairCost())) {
          continue;
        }
        if (round > 0 && over_budget(s.last_pair_seconds)) {
          stopped = true;
          break;
        }
        const auto pair_start = SteadyClock::now();
        // A B or B A, alternating by pair and benchmark: both positions equally often.
        const bool base_first = (s.pairs + static_cast<int>(i)) % 2 == 0;
        std::array<Status, 2> duet_status;
        const bool duet = s.in_base && s.in_head && RunsAsDuet(s.name, options);
        if (duet) {
          const Launch lb = launch_for(base_binary, "base", round, static_cast<int>(i), s.name);
          const Launch lh = launch_for(head_binary, "head", round, static_cast<int>(i), s.name);
          duet_status = RunDuet({&lb.argv, &lh.argv}, {lb.log_path, lh.log_path}, options.run_timeout_seconds, duet_cpu);
          duet_status[0] = collect(lb, duet_status[0], static_cast<int>(i), s.name, &base_run);
          duet_status[1] = collect(lh, duet_status[1], static_cast<int>(i), s.name, &head_run);
        }
        for (int k = 0; k < 2; ++k) {
          const bool base_turn = (k == 0) == base_first;
          if (base_turn ? !s.in_base : !s.in_head) continue;
          BenchmarkRun* into = base_turn ? &base_run : &head_run;
          Status st = duet ? duet_status[base_turn ? 0 : 1]
                           : run_one(base_turn ? base_binary : head_binary, base_turn ? "base" : "head", round,
                                     static_cast<int>(i), s.name, into);
          if (!st.ok()) {
            if (g_signal != 0) return st;
            // This benchmark failed on this side: recorded as its error, and not sampled again.
            Measurements failed;
            failed.name = s.name;
            failed.error = std::string(st.message());
            into->benchmarks.push_back(std::move(failed));
            s.done = true;
          }
        }
        s.last_pair_seconds = Since(pair_start);
        s.seconds += s.last_pair_seconds;
        ++s.pairs;
        ++pairs;
        if (g_signal != 0) break;
      }
    }
    if (g_signal != 0) {
      g_last_signal = g_signal;
      return FailedPreconditionError(std::string("ab: interrupted by ") + strsignal(g_signal) + " in round " +
                                     std::to_string(round + 1) + "; stopped the running benchmark");
    }
    if (pairs > 0) {
      runs.base.push_back(std::move(base_run));
      runs.head.push_back(std::move(head_run));
    }
    if (options.progress && pairs > 0) {
      options.progress("round " + std::to_string(round + 1) + ": " + std::to_string(pairs) + " benchmark" +
                       (pairs == 1 ? "" : "s") + " in " + Seconds(Since(round_start)) + " (" +
                       Seconds(Since(started)) + " so far)");
    }
    if (stopped) {
      runs.budget_exhausted = true;
      break;
    }
    if (options.settled && !options.fixed_rounds) {
      const std::set<std::string> settled = options.settled(runs);
      bool any = false;
      for (Sampled& s : list) {
        if (settled.count(s.name) > 0) s.done = true;
        any = any || !s.done;
      }
      if (options.per_benchmark && !any) break;
      if (!options.per_benchmark && settled.size() >= runs.base.back().benchmarks.size()) break;
    }
    if (round + 1 < options.max_rounds && options.per_benchmark) {
      // The next round needs at least the cheapest unsettled pair.
      double cheapest = -1;
      for (const Sampled& s : list) {
        if (!s.done) cheapest = cheapest < 0 ? s.last_pair_seconds : std::min(cheapest, s.last_pair_seconds);
      }
      if (cheapest >= 0 && over_budget(cheapest)) {
        runs.budget_exhausted = true;
        break;
      }
    } else if (round + 1 < options.max_rounds && !options.per_benchmark && over_budget(Since(round_start))) {
      runs.budget_exhausted = true;
      break;
    }
  }
  if (options.settled && !options.fixed_rounds) {
    for (const Sampled& s : list) {
      if (!s.done) runs.unsettled.push_back(s.name);
    }
    if (options.per_benchmark) runs.budget_exhausted = runs.budget_exhausted && !runs.unsettled.empty();
  }
  runs.seconds = Since(started);
  return runs;
}

}  // namespace chinook::compare

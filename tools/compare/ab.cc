#include "ab.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <thread>

extern char** environ;

namespace chinook::compare {

namespace {

using Clock = std::chrono::steady_clock;

// How long to wait after SIGTERM before SIGKILL, and how often to poll a running child.
constexpr std::chrono::seconds kTermGrace(5);
constexpr std::chrono::milliseconds kPollInterval(20);

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

// Waits for `pid` until `deadline`; true with *status when it exited.
bool WaitUntil(pid_t pid, Clock::time_point deadline, int* status) {
  while (true) {
    const pid_t r = waitpid(pid, status, WNOHANG);
    if (r == pid) return true;
    if (r < 0 && errno != EINTR) return true;  // nothing to wait for: treat as gone
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(kPollInterval);
  }
}

std::string Seconds(Clock::duration d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s", std::chrono::duration<double>(d).count());
  return buf;
}

}  // namespace

Status RunProgram(const std::vector<std::string>& argv, const std::string& log_path, double timeout_seconds) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return FailedPreconditionError(argv[0] + ": cannot start: " + std::strerror(rc));
  const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                           std::chrono::duration<double>(timeout_seconds));
  int status = 0;
  if (!WaitUntil(pid, deadline, &status)) {
    kill(pid, SIGTERM);
    if (!WaitUntil(pid, Clock::now() + kTermGrace, &status)) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
    }
    return DeadlineExceededError(argv[0] + ": still running after " + std::to_string(static_cast<long>(timeout_seconds)) +
                                 " s; killed (log " + log_path + ")" + Tail(log_path, 10));
  }
  if (WIFSIGNALED(status)) {
    return InternalError(argv[0] + ": killed by signal " + std::to_string(WTERMSIG(status)) + " (" +
                         strsignal(WTERMSIG(status)) + "); log " + log_path + Tail(log_path, 10));
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return FailedPreconditionError(argv[0] + ": exited with status " + std::to_string(WEXITSTATUS(status)) +
                                   "; log " + log_path + Tail(log_path, 10));
  }
  return Status::Ok();
}

Result<AbRuns> RunInterleaved(const std::string& base_binary, const std::string& head_binary,
                              const AbOptions& options) {
  if (options.rounds < 1) return InvalidArgumentError("--rounds must be at least 1");
  for (const std::string& bin : {base_binary, head_binary}) {
    if (access(bin.c_str(), X_OK) != 0) {
      return InvalidArgumentError(bin + ": not an executable file (" + std::strerror(errno) + ")");
    }
  }
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

  AbRuns runs;
  const auto run_one = [&](const std::string& bin, const char* side, int round, std::vector<BenchmarkRun>* into,
                           Clock::duration* took) -> Status {
    char stem[64];
    std::snprintf(stem, sizeof stem, "round%02d-%s", round + 1, side);
    const std::string json_path = dir + "/" + stem + ".json";
    const std::string log_path = dir + "/" + stem + ".log";
    std::vector<std::string> argv = {bin};
    argv.insert(argv.end(), options.benchmark_args.begin(), options.benchmark_args.end());
    argv.push_back("--benchmark_out=" + json_path);
    argv.push_back("--benchmark_out_format=json");
    const auto start = Clock::now();
    Status st = RunProgram(argv, log_path, options.run_timeout_seconds);
    *took = Clock::now() - start;
    if (!st.ok()) return st.Annotate(std::string("ab round ") + std::to_string(round + 1) + ", " + side);
    Result<BenchmarkRun> run = ReadBenchmarkFile(json_path);
    if (!run.ok()) return run.status().Annotate(std::string("ab round ") + std::to_string(round + 1) + ", " + side);
    run->source = std::string(side) + " " + bin;
    into->push_back(std::move(*run));
    return Status::Ok();
  };

  for (int round = 0; round < options.rounds; ++round) {
    // A B, then B A: over each pair of rounds both programs hold both positions.
    const bool base_first = round % 2 == 0;
    Clock::duration base_took{}, head_took{};
    Status st;
    if (base_first) {
      st = run_one(base_binary, "base", round, &runs.base, &base_took);
      if (st.ok()) st = run_one(head_binary, "head", round, &runs.head, &head_took);
    } else {
      st = run_one(head_binary, "head", round, &runs.head, &head_took);
      if (st.ok()) st = run_one(base_binary, "base", round, &runs.base, &base_took);
    }
    if (!st.ok()) return st;  // the directory is kept: the log it names is the evidence
    if (options.progress) {
      options.progress("round " + std::to_string(round + 1) + "/" + std::to_string(options.rounds) + " (" +
                       (base_first ? "base first" : "head first") + "): base " + Seconds(base_took) + ", head " +
                       Seconds(head_took));
    }
  }
  if (temporary) {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  return runs;
}

}  // namespace chinook::compare

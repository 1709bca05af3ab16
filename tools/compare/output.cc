#include "output.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace chinook::compare {

namespace {

struct FileIdentity {
  bool exists = false;
  dev_t device = 0;
  ino_t inode = 0;
  std::string resolved;  // absolute, symlinks resolved (the directory's, for a file not yet there)
};

std::string RealPath(const std::string& path) {
  char buf[PATH_MAX];
  return realpath(path.c_str(), buf) != nullptr ? std::string(buf) : std::string();
}

FileIdentity Identify(const std::string& path) {
  FileIdentity id;
  struct stat st;
  if (stat(path.c_str(), &st) == 0) {
    id.exists = true;
    id.device = st.st_dev;
    id.inode = st.st_ino;
  }
  id.resolved = RealPath(path);
  if (id.resolved.empty()) {
    const size_t slash = path.find_last_of('/');
    const std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
    const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
    const std::string real_dir = RealPath(dir);
    id.resolved = real_dir.empty() ? path : real_dir + (real_dir == "/" ? "" : "/") + base;
  }
  return id;
}

bool SameFile(const FileIdentity& a, const FileIdentity& b) {
  if (a.exists && b.exists) return a.device == b.device && a.inode == b.inode;
  return a.resolved == b.resolved;
}

std::string ErrnoText(int e) { return std::strerror(e); }

Status WriteAll(int fd, std::string_view text) {
  while (!text.empty()) {
    const ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return InternalError(ErrnoText(errno));
    }
    text.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

}  // namespace

Status CheckOutputs(const std::vector<NamedPath>& outputs, const std::vector<NamedPath>& inputs) {
  std::vector<std::pair<const NamedPath*, FileIdentity>> seen;
  for (const NamedPath& in : inputs) {
    if (!in.second.empty()) seen.emplace_back(&in, Identify(in.second));
  }
  const size_t input_count = seen.size();
  for (const NamedPath& out : outputs) {
    if (out.second.empty()) continue;
    FileIdentity id = Identify(out.second);
    for (size_t i = 0; i < seen.size(); ++i) {
      if (!SameFile(id, seen[i].second)) continue;
      const NamedPath& other = *seen[i].first;
      if (i < input_count) {
        return InvalidArgumentError(out.first + " " + out.second + " is the input " + other.second + " (" + other.first +
                                    "): refusing to overwrite an input");
      }
      return InvalidArgumentError(out.first + " " + out.second + " and " + other.first + " " + other.second +
                                  " name the same file: one report would overwrite the other");
    }
    seen.emplace_back(&out, std::move(id));
  }
  return Status::Ok();
}

Status WriteFileAtomically(const std::string& path, std::string_view text) {
  std::string target = RealPath(path);  // through symlinks: replace the file, keep the link
  if (target.empty()) target = path;
  struct stat st;
  const bool exists = stat(target.c_str(), &st) == 0;
  if (exists && !S_ISREG(st.st_mode)) {
    // A device or FIFO (/dev/stdout, a pipe): renaming over it would replace it; write in place.
    const int fd = ::open(target.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
    if (fd < 0) return InvalidArgumentError(path + ": cannot open for writing (" + ErrnoText(errno) + ")");
    Status s = WriteAll(fd, text);
    if (::close(fd) != 0 && s.ok()) s = InternalError(ErrnoText(errno));
    if (!s.ok()) return InvalidArgumentError(path + ": write error (" + s.message() + ")");
    return Status::Ok();
  }
  const size_t slash = target.find_last_of('/');
  const std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : target.substr(0, slash);
  const std::string base = slash == std::string::npos ? target : target.substr(slash + 1);
  std::string tmp = dir + "/." + base + ".tmp-XXXXXX";
  const int fd = mkostemp(tmp.data(), O_CLOEXEC);
  if (fd < 0) {
    return InvalidArgumentError(path + ": cannot create a temporary file in " + dir + " (" + ErrnoText(errno) +
                                "); nothing written");
  }
  mode_t mode;
  if (exists) {
    mode = st.st_mode & 07777;
  } else {
    const mode_t mask = umask(0);
    umask(mask);
    mode = 0666 & ~mask;
  }
  Status s = WriteAll(fd, text);
  if (s.ok() && fchmod(fd, mode) != 0) s = InternalError(ErrnoText(errno));
  if (s.ok() && fsync(fd) != 0 && errno != EINVAL && errno != EROFS) s = InternalError(ErrnoText(errno));
  if (::close(fd) != 0 && s.ok()) s = InternalError(ErrnoText(errno));
  if (s.ok() && std::rename(tmp.c_str(), target.c_str()) != 0) s = InternalError(ErrnoText(errno));
  if (!s.ok()) {
    ::unlink(tmp.c_str());
    return InvalidArgumentError(path + ": cannot write (" + s.message() + "); " +
                                (exists ? "the old file is unchanged" : "nothing written"));
  }
  return Status::Ok();
}

Status WriteStdout(std::string_view text) {
  errno = 0;
  const size_t n = std::fwrite(text.data(), 1, text.size(), stdout);
  const bool flushed = std::fflush(stdout) == 0;
  if (n != text.size() || !flushed || std::ferror(stdout)) {
    const int e = errno;
    return InvalidArgumentError("standard output: write error (" + (e != 0 ? ErrnoText(e) : std::string("short write")) +
                                "): the report was not written");
  }
  return Status::Ok();
}

Status CloseStdout() {
  errno = 0;
  if (std::fclose(stdout) != 0) {
    return InvalidArgumentError("standard output: error on close (" + ErrnoText(errno) + ")");
  }
  return Status::Ok();
}

}  // namespace chinook::compare

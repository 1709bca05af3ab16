// Writing reports without harming anything: outputs that would overwrite an input (or each other)
// are refused before any work is done, files are replaced atomically so that a failed write (a
// full disk, a killed process) leaves the old file or nothing, never half a report, and write
// errors on standard output are errors (`chinook-compare a.json b.json > /dev/full` must not
// exit 0 with no report written).
//
// Thread safety: the functions touch the file system and stdout; call them from one thread.
#ifndef CHINOOK_TOOLS_COMPARE_OUTPUT_H_
#define CHINOOK_TOOLS_COMPARE_OUTPUT_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "chinook/status.h"

namespace chinook::compare {

// A named path on the command line: {"--json", "out.json"}, {"baseline", "base.json"}.
using NamedPath = std::pair<std::string, std::string>;

// Error when an output names the same file as an input (same inode, or the same resolved path
// for a file not yet there; symlinks and "./x" vs "x" are seen through) or as another output.
// Empty paths are ignored.
Status CheckOutputs(const std::vector<NamedPath>& outputs, const std::vector<NamedPath>& inputs);

// Replaces `path` by `text` atomically: writes a temporary file in the same directory, flushes
// it to disk, then renames it over `path` (through a symlink, to the file it names; keeping an
// existing file's permissions). Paths that are not regular files (/dev/stdout, a FIFO) are
// written in place. On error `path` is untouched and the temporary file removed.
Status WriteFileAtomically(const std::string& path, std::string_view text);

// Writes `text` to standard output and flushes it; a short write or a flush error (ENOSPC, EPIPE,
// EIO) is an error naming the cause.
Status WriteStdout(std::string_view text);

// Closes standard output, reporting what the close says (NFS and some pipes report late errors
// only here). Call once, after the last output.
Status CloseStdout();

}  // namespace chinook::compare

#endif  // CHINOOK_TOOLS_COMPARE_OUTPUT_H_

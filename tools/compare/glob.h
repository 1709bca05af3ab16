// Glob patterns over whole names, as the gates file writes them: '*' matches any run of characters
// (slashes included), '?' one character, anything else itself. Used to pick benchmarks and metrics
// by name and to pair the benchmarks of a ratio gate by the text their wildcards matched.
//
// Thread safety: pure functions.
#ifndef CHINOOK_TOOLS_COMPARE_GLOB_H_
#define CHINOOK_TOOLS_COMPARE_GLOB_H_

#include <string>
#include <string_view>

namespace chinook::compare {

// Glob match over the whole text. When `captured` is given it receives the texts the wildcards
// matched, joined, so that two patterns' matches can be paired.
bool GlobMatch(std::string_view pattern, std::string_view text, std::string* captured = nullptr);

}  // namespace chinook::compare

#endif  // CHINOOK_TOOLS_COMPARE_GLOB_H_

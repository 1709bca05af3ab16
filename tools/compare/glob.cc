// Glob matching for gates.h (see glob.h): a backtracking matcher that records what each
// wildcard matched.
#include "glob.h"

#include <cstddef>
#include <vector>

namespace chinook::compare {

namespace {

bool MatchFrom(std::string_view p, size_t pi, std::string_view t, size_t ti, std::vector<std::string_view>* caps) {
  while (pi < p.size() && p[pi] != '*' && p[pi] != '?') {
    if (ti >= t.size() || p[pi] != t[ti]) return false;
    ++pi, ++ti;
  }
  if (pi == p.size()) return ti == t.size();
  if (p[pi] == '?') {
    if (ti >= t.size()) return false;
    caps->push_back(t.substr(ti, 1));
    if (MatchFrom(p, pi + 1, t, ti + 1, caps)) return true;
    caps->pop_back();
    return false;
  }
  for (size_t k = ti; k <= t.size(); ++k) {  // '*': shortest first, so captures are leftmost-minimal
    caps->push_back(t.substr(ti, k - ti));
    if (MatchFrom(p, pi + 1, t, k, caps)) return true;
    caps->pop_back();
  }
  return false;
}

}  // namespace

bool GlobMatch(std::string_view pattern, std::string_view text, std::string* captured) {
  std::vector<std::string_view> caps;
  if (!MatchFrom(pattern, 0, text, 0, &caps)) return false;
  if (captured != nullptr) {
    captured->clear();
    for (size_t i = 0; i < caps.size(); ++i) {
      if (i > 0) captured->push_back('\x1f');
      captured->append(caps[i]);
    }
  }
  return true;
}

}  // namespace chinook::compare

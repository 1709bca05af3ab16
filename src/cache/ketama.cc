#include "cache/ketama.h"

#include <algorithm>
#include <cassert>

#include "cache/md5.h"

namespace chinook::cache {
namespace {

constexpr int kMemcachedDefaultPort = 11211;

uint32_t PointFromDigest(const std::array<uint8_t, 16>& d, int h) {
  return uint32_t{d[3 + h * 4]} << 24 | uint32_t{d[2 + h * 4]} << 16 | uint32_t{d[1 + h * 4]} << 8 |
         uint32_t{d[h * 4]};
}

}  // namespace

KetamaRing::KetamaRing(std::vector<std::string> server_names) : servers_(std::move(server_names)) {
  assert(!servers_.empty());
  points_.reserve(servers_.size() * kPointsPerServer);
  for (uint32_t s = 0; s < servers_.size(); ++s) {
    for (int n = 0; n < kPointsPerServer / kPointsPerDigest; ++n) {
      const auto digest = internal::Md5(servers_[s] + "-" + std::to_string(n));
      for (int h = 0; h < kPointsPerDigest; ++h) points_.push_back({PointFromDigest(digest, h), s});
    }
  }
  std::stable_sort(points_.begin(), points_.end(), [](const Point& a, const Point& b) { return a.value < b.value; });
  // On equal values keep the last (the later server), so a lookup never depends on sort order.
  std::vector<Point> unique;
  unique.reserve(points_.size());
  for (const Point& p : points_) {
    if (!unique.empty() && unique.back().value == p.value) {
      unique.back() = p;
    } else {
      unique.push_back(p);
    }
  }
  points_ = std::move(unique);
}

uint32_t KetamaRing::KeyHash(std::string_view key) { return PointFromDigest(internal::Md5(key), 0); }

size_t KetamaRing::ServerForHash(uint32_t hash) const {
  auto it = std::lower_bound(points_.begin(), points_.end(), hash,
                             [](const Point& p, uint32_t h) { return p.value < h; });
  if (it == points_.end()) it = points_.begin();
  return it->server;
}

std::string KetamaRing::DefaultServerName(std::string_view host, int port) {
  if (port == kMemcachedDefaultPort) return std::string(host);
  return std::string(host) + ":" + std::to_string(port);
}

}  // namespace chinook::cache

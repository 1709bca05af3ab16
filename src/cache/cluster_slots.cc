#include "cache/cluster_slots.h"

#include <algorithm>
#include <array>
#include <charconv>

namespace chinook::cache {
namespace {

bool ParsePort(std::string_view s, int* port) {
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *port);
  return ec == std::errc() && end == s.data() + s.size() && *port >= 1 && *port <= 65535;
}

bool IsInteger(const RedisReply& r) { return r.type == RedisReply::Type::kInteger; }

// One [host, port, id?, ...] entry of a CLUSTER SLOTS range.
Result<ClusterNode> ParseNode(const RedisReply& r, std::string_view answering_host, size_t range, size_t position) {
  const auto bad = [&](const std::string& why) {
    return DataLossError("CLUSTER SLOTS reply: range " + std::to_string(range) + ", node " + std::to_string(position) +
                         ": " + why);
  };
  if (r.type != RedisReply::Type::kArray || r.elements.size() < 2) return bad("expected [host, port, ...]");
  const RedisReply& host = r.elements[0];
  const RedisReply& port = r.elements[1];
  if (host.type != RedisReply::Type::kString) return bad("host is not a string");
  if (!IsInteger(port) || port.integer < 1 || port.integer > 65535) return bad("port is not in 1..65535");
  ClusterNode node;
  node.host = host.str.empty() || host.str == "?" ? std::string(answering_host) : host.str;
  node.port = static_cast<int>(port.integer);
  if (r.elements.size() >= 3 && r.elements[2].type == RedisReply::Type::kString) node.id = r.elements[2].str;
  return node;
}

// Slicing-by-8 tables, computed at compile time: kCrc16Tables[k][b] is the CRC of byte b followed
// by k zero bytes. Eight bytes then cost eight independent lookups instead of a chain of eight
// dependent ones (the byte-at-a-time loop was still 7% of a 100-key cluster GetMany's CPU, the
// bitwise loop before it a tenth).
using Crc16Tables = std::array<std::array<uint16_t, 256>, 8>;
constexpr Crc16Tables MakeCrc16Tables() {
  Crc16Tables t{};
  for (int byte = 0; byte < 256; ++byte) {
    auto crc = static_cast<uint16_t>(byte << 8);
    for (int bit = 0; bit < 8; ++bit) {
      crc = (crc & 0x8000) != 0 ? static_cast<uint16_t>((crc << 1) ^ 0x1021) : static_cast<uint16_t>(crc << 1);
    }
    t[0][static_cast<size_t>(byte)] = crc;
  }
  for (size_t k = 1; k < t.size(); ++k) {
    for (size_t byte = 0; byte < 256; ++byte) {
      const uint16_t prev = t[k - 1][byte];
      t[k][byte] = static_cast<uint16_t>((prev << 8) ^ t[0][prev >> 8]);
    }
  }
  return t;
}
constexpr Crc16Tables kCrc16Tables = MakeCrc16Tables();

}  // namespace

uint16_t Crc16(std::string_view data) {
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  size_t n = data.size();
  uint16_t crc = 0;
  const auto& t = kCrc16Tables;
  for (; n >= 8; n -= 8, p += 8) {
    // CRC is linear: the state folds into the block's first two bytes, and each byte's share is
    // its CRC shifted past the bytes that follow it.
    crc = static_cast<uint16_t>(t[7][p[0] ^ (crc >> 8)] ^ t[6][p[1] ^ (crc & 0xff)] ^ t[5][p[2]] ^ t[4][p[3]] ^
                                t[3][p[4]] ^ t[2][p[5]] ^ t[1][p[6]] ^ t[0][p[7]]);
  }
  for (; n > 0; --n, ++p) crc = static_cast<uint16_t>((crc << 8) ^ t[0][((crc >> 8) ^ *p) & 0xff]);
  return crc;
}

std::string_view HashTag(std::string_view key) {
  const size_t open = key.find('{');
  if (open == std::string_view::npos) return key;
  const size_t close = key.find('}', open + 1);
  if (close == std::string_view::npos || close == open + 1) return key;
  return key.substr(open + 1, close - open - 1);
}

int KeySlot(std::string_view key) { return Crc16(HashTag(key)) & (kClusterSlots - 1); }

std::string ClusterNode::Address() const {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Result<std::vector<SlotRange>> ParseClusterSlots(const RedisReply& reply, std::string_view answering_host) {
  if (reply.type == RedisReply::Type::kError) return FailedPreconditionError("CLUSTER SLOTS: " + reply.str);
  if (reply.type != RedisReply::Type::kArray) return DataLossError("CLUSTER SLOTS reply is not an array");
  std::vector<SlotRange> out;
  out.reserve(reply.elements.size());
  for (size_t i = 0; i < reply.elements.size(); ++i) {
    const RedisReply& r = reply.elements[i];
    const auto bad = [&](const std::string& why) {
      return DataLossError("CLUSTER SLOTS reply: range " + std::to_string(i) + ": " + why);
    };
    if (r.type != RedisReply::Type::kArray || r.elements.size() < 3) return bad("expected [first, last, master, ...]");
    if (!IsInteger(r.elements[0]) || !IsInteger(r.elements[1])) return bad("slot bounds are not integers");
    const long long first = r.elements[0].integer;
    const long long last = r.elements[1].integer;
    if (first < 0 || last >= kClusterSlots || first > last) {
      return bad("slots " + std::to_string(first) + "-" + std::to_string(last) + " are not within 0-16383");
    }
    SlotRange range;
    range.first = static_cast<int>(first);
    range.last = static_cast<int>(last);
    for (size_t n = 2; n < r.elements.size(); ++n) {
      CHINOOK_ASSIGN_OR_RETURN(ClusterNode node, ParseNode(r.elements[n], answering_host, i, n - 2));
      if (n == 2) {
        range.master = std::move(node);
      } else {
        range.replicas.push_back(std::move(node));
      }
    }
    out.push_back(std::move(range));
  }
  return out;
}

namespace {

// The value named `name` in a flat [name, value, name, value, ...] array, or nullptr.
const RedisReply* Field(const RedisReply& r, std::string_view name) {
  for (size_t i = 0; i + 1 < r.elements.size(); i += 2) {
    const RedisReply& key = r.elements[i];
    if ((key.type == RedisReply::Type::kString || key.type == RedisReply::Type::kStatus) && key.str == name) {
      return &r.elements[i + 1];
    }
  }
  return nullptr;
}

std::string_view TextOf(const RedisReply* r) {
  return r != nullptr && (r->type == RedisReply::Type::kString || r->type == RedisReply::Type::kStatus)
             ? std::string_view(r->str)
             : std::string_view();
}

}  // namespace

Result<std::vector<SlotRange>> ParseClusterShards(const RedisReply& reply, std::string_view answering_host) {
  if (reply.type == RedisReply::Type::kError) return FailedPreconditionError("CLUSTER SHARDS: " + reply.str);
  if (reply.type != RedisReply::Type::kArray) return DataLossError("CLUSTER SHARDS reply is not an array");
  std::vector<SlotRange> out;
  for (size_t i = 0; i < reply.elements.size(); ++i) {
    const RedisReply& shard = reply.elements[i];
    const auto bad = [&](const std::string& why) {
      return DataLossError("CLUSTER SHARDS reply: shard " + std::to_string(i) + ": " + why);
    };
    if (shard.type != RedisReply::Type::kArray || shard.elements.size() % 2 != 0) {
      return bad("expected [name, value, ...]");
    }
    const RedisReply* slots = Field(shard, "slots");
    const RedisReply* nodes = Field(shard, "nodes");
    if (slots == nullptr || slots->type != RedisReply::Type::kArray || slots->elements.size() % 2 != 0) {
      return bad("\"slots\" is not an array of [first, last] pairs");
    }
    if (nodes == nullptr || nodes->type != RedisReply::Type::kArray) return bad("\"nodes\" is not an array");
    std::optional<ClusterNode> master;
    bool master_online = false;
    std::vector<ClusterNode> replicas;
    for (size_t n = 0; n < nodes->elements.size(); ++n) {
      const RedisReply& node = nodes->elements[n];
      const auto bad_node = [&](const std::string& why) { return bad("node " + std::to_string(n) + ": " + why); };
      if (node.type != RedisReply::Type::kArray || node.elements.size() % 2 != 0) {
        return bad_node("expected [name, value, ...]");
      }
      const RedisReply* port = Field(node, "port");
      if (port == nullptr || !IsInteger(*port) || port->integer < 1 || port->integer > 65535) {
        return bad_node("\"port\" is not in 1..65535 (a TLS-only node is not supported)");
      }
      ClusterNode parsed;
      // "?" is Redis 7's "unknown endpoint": reach the node where this reply came from, as
      // CLUSTER SLOTS says (behind a proxy the ip would be wrong).
      std::string_view host = TextOf(Field(node, "endpoint"));
      if (host.empty()) host = TextOf(Field(node, "ip"));
      parsed.host = host.empty() || host == "?" ? std::string(answering_host) : std::string(host);
      parsed.port = static_cast<int>(port->integer);
      parsed.id = std::string(TextOf(Field(node, "id")));
      const std::string_view role = TextOf(Field(node, "role"));
      const bool online = TextOf(Field(node, "health")) == "online";
      if (role == "master") {
        if (!master.has_value() || (online && !master_online)) {
          master = std::move(parsed);
          master_online = online;
        }
      } else if (role == "replica" || role == "slave") {
        if (online) replicas.push_back(std::move(parsed));
      } else {
        return bad_node("role \"" + std::string(role.substr(0, 40)) + "\" is neither master nor replica");
      }
    }
    // Each range gets a copy of the shard's replicas: bound the product, which a hostile reply
    // could make quadratic in its size (a real shard has at most 16384 ranges and a few replicas).
    const size_t range_count = slots->elements.size() / 2;
    if (range_count > static_cast<size_t>(kClusterSlots) || range_count * (replicas.size() + 1) > (size_t{1} << 20)) {
      return bad(std::to_string(range_count) + " slot ranges with " + std::to_string(replicas.size()) +
                 " replicas is beyond any cluster");
    }
    for (size_t k = 0; k < slots->elements.size(); k += 2) {
      const RedisReply& a = slots->elements[k];
      const RedisReply& b = slots->elements[k + 1];
      if (!IsInteger(a) || !IsInteger(b)) return bad("slot bounds are not integers");
      if (a.integer < 0 || b.integer >= kClusterSlots || a.integer > b.integer) {
        return bad("slots " + std::to_string(a.integer) + "-" + std::to_string(b.integer) + " are not within 0-16383");
      }
      if (!master.has_value()) continue;  // no owner until a master is elected
      SlotRange range;
      range.first = static_cast<int>(a.integer);
      range.last = static_cast<int>(b.integer);
      range.master = *master;
      range.replicas = replicas;
      out.push_back(std::move(range));
    }
  }
  return out;
}

Result<std::optional<Redirect>> ParseRedirect(std::string_view error, std::string_view answering_host) {
  Redirect r;
  if (error.rfind("MOVED ", 0) == 0) {
    r.kind = Redirect::Kind::kMoved;
    error.remove_prefix(6);
  } else if (error.rfind("ASK ", 0) == 0) {
    r.kind = Redirect::Kind::kAsk;
    error.remove_prefix(4);
  } else {
    return std::optional<Redirect>();
  }
  const auto bad = [&](const std::string& why) {
    return DataLossError("bogus redirection \"" + std::string(error.substr(0, 200)) + "\": " + why);
  };
  const size_t space = error.find(' ');
  if (space == std::string_view::npos) return bad("expected <slot> <host>:<port>");
  const std::string_view slot = error.substr(0, space);
  const auto [end, ec] = std::from_chars(slot.data(), slot.data() + slot.size(), r.slot);
  if (ec != std::errc() || end != slot.data() + slot.size() || r.slot < 0 || r.slot >= kClusterSlots) {
    return bad("slot is not in 0..16383");
  }
  const std::string_view address = error.substr(space + 1);
  const size_t colon = address.rfind(':');
  if (colon == std::string_view::npos) return bad("target has no :port");
  if (!ParsePort(address.substr(colon + 1), &r.port)) return bad("port is not in 1..65535");
  std::string_view host = address.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.find(' ') != std::string_view::npos) return bad("host contains a space");
  r.host = host.empty() ? std::string(answering_host) : std::string(host);
  return std::optional<Redirect>(std::move(r));
}

Result<SlotMap> SlotMap::FromRanges(const std::vector<SlotRange>& ranges) {
  SlotMap map;
  for (const SlotRange& range : ranges) {  // masters first, so that their indices come first
    const int master = map.AddNode(range.master);
    for (int s = range.first; s <= range.last; ++s) {
      if (map.slots_[static_cast<size_t>(s)] != kNoOwner) {
        return DataLossError("CLUSTER SLOTS reply: slot " + std::to_string(s) + " is claimed by " +
                             map.nodes_[static_cast<size_t>(map.slots_[static_cast<size_t>(s)])].Address() + " and " +
                             range.master.Address());
      }
      map.slots_[static_cast<size_t>(s)] = static_cast<int16_t>(master);
      ++map.covered_;
    }
  }
  for (const SlotRange& range : ranges) {
    const int master = map.Find(range.master);
    for (const ClusterNode& replica : range.replicas) {
      const int r = map.AddNode(replica);
      auto& list = map.replicas_[static_cast<size_t>(master)];
      if (r != master && std::find(list.begin(), list.end(), r) == list.end()) list.push_back(r);
    }
  }
  map.IndexMasters();
  return map;
}

const std::vector<int>& SlotMap::ReplicasOf(int slot) const {
  static const std::vector<int> kNone;
  const int master = MasterOf(slot);
  return master == kNoOwner ? kNone : replicas_[static_cast<size_t>(master)];
}

int SlotMap::Find(const ClusterNode& node) const {
  for (size_t i = 0; i < nodes_.size(); ++i) {
    if (nodes_[i] == node) return static_cast<int>(i);
  }
  return kNoOwner;
}

int SlotMap::AddNode(const ClusterNode& node) {
  if (const int known = Find(node); known != kNoOwner) return known;
  nodes_.push_back(node);
  replicas_.emplace_back();
  return static_cast<int>(nodes_.size() - 1);
}

SlotMap SlotMap::WithSlotMovedTo(int slot, const ClusterNode& node) const {
  SlotMap copy = *this;
  const int target = copy.AddNode(node);
  auto& owner = copy.slots_[static_cast<size_t>(slot)];
  if (owner == kNoOwner) ++copy.covered_;
  owner = static_cast<int16_t>(target);
  copy.IndexMasters();
  return copy;
}

void SlotMap::IndexMasters() {
  masters_.clear();
  std::vector<bool> seen(nodes_.size(), false);
  for (int16_t o : slots_) {
    if (o != kNoOwner && !seen[static_cast<size_t>(o)]) {
      seen[static_cast<size_t>(o)] = true;
      masters_.push_back(o);
    }
  }
}

}  // namespace chinook::cache

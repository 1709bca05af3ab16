// The pure half of the Redis Cluster client: key slots, the slot map and redirections, with no
// I/O so that every rule of the Redis Cluster specification is unit-tested without a server.
//
//   KeySlot(key)            CRC16-XMODEM of the key (or of its {hash tag}) mod 16384
//   ParseClusterSlots(r)    a CLUSTER SLOTS reply -> slot ranges, each with master and replicas
//   ParseClusterShards(r)   a CLUSTER SHARDS reply (Redis 7) -> the same, with node health
//   ParseRedirect(error)    "MOVED 3999 127.0.0.1:6381" / "ASK ..." -> where to go
//   SlotMap                 slot -> owning node, from the ranges
//
// Everything that comes from a server is checked: a malformed reply or redirection is an
// InvalidArgument/DataLoss error naming what is wrong, never an abort.
//
// Thread safety: pure functions; a SlotMap is immutable after construction.
#ifndef CHINOOK_CACHE_CLUSTER_SLOTS_H_
#define CHINOOK_CACHE_CLUSTER_SLOTS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cache/redis_client.h"
#include "chinook/status.h"

namespace chinook::cache {

inline constexpr int kClusterSlots = 16384;

// CRC16-CCITT (XMODEM: poly 0x1021, init 0, no reflection), as the cluster spec defines it.
uint16_t Crc16(std::string_view data);

// The part of the key that is hashed: the text between the first '{' and the first '}' after
// it, if that is non-empty; otherwise the whole key ("foo{}{bar}" hashes whole).
std::string_view HashTag(std::string_view key);

// 0..16383.
int KeySlot(std::string_view key);

struct ClusterNode {
  std::string host;
  int port = 0;
  std::string id;  // the node id when the server gave one ("" from old servers)
  // "host:port": how nodes are told apart (MOVED names only the address).
  std::string Address() const;
  bool operator==(const ClusterNode& o) const { return host == o.host && port == o.port; }
};

struct SlotRange {
  int first = 0;
  int last = 0;  // inclusive
  ClusterNode master;
  std::vector<ClusterNode> replicas;
};

// A CLUSTER SLOTS reply. A node whose host is empty or "?" (Redis 7's "unknown endpoint") is
// reached at `answering_host`, the host of the node that answered, as the spec says.
Result<std::vector<SlotRange>> ParseClusterSlots(const RedisReply& reply, std::string_view answering_host);

// A CLUSTER SHARDS reply (Redis 7.0+; RESP2: each shard a flat [name, value, ...] array with
// "slots" as [first, last, ...] and "nodes" as such arrays). Unlike CLUSTER SLOTS it says each
// node's health: a replica that is not "online" (still loading its data, or failed) is left out,
// so replica reads never go to it. A shard's master is its "online" master, else the first one
// listed (the cluster has not failed it over yet); a shard with slots and no master leaves its
// slots without an owner. The endpoint is "endpoint" (the cluster's preferred one), else "ip";
// "?" (Redis 7's unknown endpoint) means `answering_host`, as in CLUSTER SLOTS. Unknown fields are ignored (servers add them).
Result<std::vector<SlotRange>> ParseClusterShards(const RedisReply& reply, std::string_view answering_host);

struct Redirect {
  enum class Kind { kMoved, kAsk };
  Kind kind = Kind::kMoved;
  int slot = 0;
  std::string host;  // answering host when the server left it out (":6381")
  int port = 0;
};

// std::nullopt when `error` is not a redirection; an error when it is one but malformed.
Result<std::optional<Redirect>> ParseRedirect(std::string_view error, std::string_view answering_host);

// Which node serves each slot. Nodes are indexed by their position in nodes(); masters first.
class SlotMap {
 public:
  static constexpr int kNoOwner = -1;

  // Fails when two ranges claim one slot. Slots no range names have no owner (a cluster that
  // is partly down still serves the rest).
  static Result<SlotMap> FromRanges(const std::vector<SlotRange>& ranges);

  // Index into nodes() of the slot's master, or kNoOwner.
  int MasterOf(int slot) const { return slots_[static_cast<size_t>(slot)]; }
  // The replicas of the slot's master (indices into nodes()); empty when none or no owner.
  const std::vector<int>& ReplicasOf(int slot) const;
  const std::vector<ClusterNode>& nodes() const { return nodes_; }
  // Indices of the masters that own at least one slot.
  const std::vector<int>& masters() const { return masters_; }
  // Slots with an owner.
  int covered() const { return covered_; }
  // Copy with one slot moved to `node` (added when unknown): what a MOVED teaches.
  SlotMap WithSlotMovedTo(int slot, const ClusterNode& node) const;
  // Index of the node at host:port, or kNoOwner.
  int Find(const ClusterNode& node) const;

 private:
  int AddNode(const ClusterNode& node);
  void IndexMasters();  // masters_ from slots_

  std::vector<int16_t> slots_ = std::vector<int16_t>(kClusterSlots, kNoOwner);
  std::vector<ClusterNode> nodes_;
  std::vector<std::vector<int>> replicas_;  // by master index
  std::vector<int> masters_;
  int covered_ = 0;
};

}  // namespace chinook::cache

#endif  // CHINOOK_CACHE_CLUSTER_SLOTS_H_

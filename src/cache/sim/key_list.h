// KeyList: keys in recency (or insertion) order with O(1) lookup, move and removal: the one
// building block of the simulator's rival policies (an LRU stack, a FIFO, a ghost list). Each key
// carries a small integer of the policy's own (a frequency, a visited bit, a status).
//
// Front is the oldest end, back the newest.
//
// Thread safety: not thread-safe; each simulated policy owns its lists.
#ifndef CHINOOK_CACHE_SIM_KEY_LIST_H_
#define CHINOOK_CACHE_SIM_KEY_LIST_H_

#include <cstddef>
#include <cstdint>
#include <list>
#include <unordered_map>

namespace chinook::cache::sim {

class KeyList {
 public:
  struct Item {
    uint64_t key;
    int value;  // the policy's per-key state
  };
  using iterator = std::list<Item>::iterator;

  bool empty() const { return items_.empty(); }
  size_t size() const { return items_.size(); }
  bool contains(uint64_t key) const { return index_.count(key) != 0; }
  // nullptr when absent.
  Item* Find(uint64_t key) {
    auto it = index_.find(key);
    return it == index_.end() ? nullptr : &*it->second;
  }
  // REQUIRES: !empty().
  Item& front() { return items_.front(); }
  Item& back() { return items_.back(); }
  iterator begin() { return items_.begin(); }
  iterator end() { return items_.end(); }
  iterator IteratorOf(uint64_t key) { return index_.at(key); }

  // REQUIRES: !contains(key).
  void PushBack(uint64_t key, int value = 0) {
    items_.push_back({key, value});
    index_.emplace(key, std::prev(items_.end()));
  }
  // REQUIRES: contains(key). Keeps the key's value.
  void MoveToBack(uint64_t key) {
    auto it = index_.at(key);
    items_.splice(items_.end(), items_, it);
  }
  // Returns whether the key was there.
  bool Erase(uint64_t key) {
    auto it = index_.find(key);
    if (it == index_.end()) return false;
    items_.erase(it->second);
    index_.erase(it);
    return true;
  }
  iterator Erase(iterator it) {
    index_.erase(it->key);
    return items_.erase(it);
  }
  // REQUIRES: !empty(). Removes and returns the oldest item.
  Item PopFront() {
    Item item = items_.front();
    index_.erase(item.key);
    items_.pop_front();
    return item;
  }

 private:
  std::list<Item> items_;
  std::unordered_map<uint64_t, iterator> index_;
};

}  // namespace chinook::cache::sim

#endif  // CHINOOK_CACHE_SIM_KEY_LIST_H_

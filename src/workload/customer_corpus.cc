#include "workload/customer_corpus.h"

#include <array>
#include <string_view>

namespace chinook::workload {
namespace {

constexpr std::array<std::string_view, 16> kFirstNames = {
    "Ada", "Grace", "Linus", "Margaret", "Dennis", "Barbara", "Ken", "Frances",
    "José", "Zoë", "Søren", "Łukasz", "Ngọc", "Íñigo", "Chloé", "Björn"};
constexpr std::array<std::string_view, 12> kLastNames = {
    "Lovelace", "Hopper", "Torvalds", "Hamilton", "Ritchie", "Liskov",
    "Thompson", "Allen", "García", "Müller", "Nakamura", "O'Brien"};
constexpr std::array<std::string_view, 6> kUnicodeNames = {"山田 太郎", "Иван Петров", "Ελένη",
                                                           "محمد", "김민준", "😀 Smiley"};
constexpr std::array<std::string_view, 6> kDomains = {"example.com", "mail.example.org", "corp.example.net",
                                                      "example.co.uk", "customers.example.io", "ex.am"};
constexpr std::array<std::string_view, 12> kMetaKeys = {
    "plan", "region", "segment", "referrer", "locale", "tier",
    "source", "campaign", "account_manager", "industry", "employees", "notes"};
constexpr std::array<std::string_view, 10> kMetaValues = {
    "free", "pro", "enterprise", "eu-west-1", "us-east-2", "en_GB", "organic",
    "newsletter-2026-q3", "Ünïcödé välüé", "a somewhat longer free-text note about this customer"};

constexpr int64_t kEpoch2020 = 1577836800;  // created_at spreads over 2020-2026

}  // namespace

CustomerGenerator::CustomerGenerator(CorpusOptions options)
    : options_(options), state_(options.seed * 0x9E3779B97F4A7C15ull + 1) {}

uint64_t CustomerGenerator::NextU64() {
  // splitmix64: tiny, fast, and identical everywhere.
  uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

uint64_t CustomerGenerator::Uniform(uint64_t n) { return n == 0 ? 0 : NextU64() % n; }

chinook::customer::v1::Customer CustomerGenerator::Next() {
  chinook::customer::v1::Customer c;
  const uint64_t n = count_++;
  c.set_id("cust-" + std::to_string(options_.seed) + "-" + std::to_string(n));
  std::string first(kFirstNames[Uniform(kFirstNames.size())]);
  std::string last(kLastNames[Uniform(kLastNames.size())]);
  if (options_.unicode && Uniform(10) == 0) {
    c.set_name(std::string(kUnicodeNames[Uniform(kUnicodeNames.size())]));
  } else {
    c.set_name(first + " " + last);
  }
  std::string local;
  for (char ch : first + "." + last) {
    if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z')) local += static_cast<char>(ch | 0x20);
    else if (ch == '.') local += '.';
  }
  if (local.empty() || local == ".") local = "user";
  c.set_email(local + std::to_string(n) + "@" + std::string(kDomains[Uniform(kDomains.size())]));
  if (Uniform(5) != 0) {  // a fifth have no phone
    std::string phone = "+" + std::to_string(1 + Uniform(98));
    for (int i = 0, len = 8 + static_cast<int>(Uniform(4)); i < len; ++i) phone += static_cast<char>('0' + Uniform(10));
    c.set_phone(phone);
  }
  const int entries = static_cast<int>(Uniform(options_.max_metadata_entries + 1));
  for (int i = 0; i < entries; ++i) {
    std::string key(kMetaKeys[Uniform(kMetaKeys.size())]);
    if (i >= static_cast<int>(kMetaKeys.size()) / 2) key += "_" + std::to_string(i);
    std::string_view value = kMetaValues[Uniform(kMetaValues.size())];
    if (!options_.unicode && value.starts_with("Ü")) value = "plain";
    (*c.mutable_metadata())[key] = std::string(value);
  }
  const int64_t created = kEpoch2020 + static_cast<int64_t>(Uniform(6ull * 365 * 86400));
  c.mutable_created_at()->set_seconds(created);
  c.mutable_created_at()->set_nanos(static_cast<int32_t>(Uniform(1000000)) * 1000);  // microseconds, as PostgreSQL keeps
  const int64_t updated = created + static_cast<int64_t>(Uniform(90ull * 86400));
  c.mutable_updated_at()->set_seconds(updated);
  c.mutable_updated_at()->set_nanos(static_cast<int32_t>(Uniform(1000000)) * 1000);
  return c;
}

std::vector<chinook::customer::v1::Customer> MakeCorpus(size_t n, CorpusOptions options) {
  CustomerGenerator gen(options);
  std::vector<chinook::customer::v1::Customer> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) out.push_back(gen.Next());
  return out;
}

}  // namespace chinook::workload

// Params of connection.h: statement parameters in PostgreSQL's binary formats.
#include "pg/connection.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pg/wire.h"

namespace chinook::pg {

void Params::AddOwned(unsigned oid, std::string_view bytes) {
  types_.push_back(oid);
  lengths_.push_back(static_cast<int>(bytes.size()));
  formats_.push_back(1);
  views_.push_back(nullptr);
  owned_offsets_.push_back(static_cast<int64_t>(storage_.size()));
  storage_.append(bytes);
}

void Params::AddText(std::string_view value) {
  types_.push_back(kOidText);
  lengths_.push_back(static_cast<int>(value.size()));
  formats_.push_back(1);
  // A null pointer means SQL NULL to libpq; an empty view may have one.
  views_.push_back(value.data() != nullptr ? value.data() : "");
  owned_offsets_.push_back(-1);
}

void Params::AddNullText() {
  types_.push_back(kOidText);
  lengths_.push_back(0);
  formats_.push_back(1);
  views_.push_back(nullptr);
  owned_offsets_.push_back(-1);
}

void Params::AddInt64(int64_t value) {
  std::string b;
  PutBigEndian64(&b, value);
  AddOwned(kOidInt8, b);
}

void Params::AddTimestampMicros(int64_t unix_micros) {
  std::string b;
  PutBigEndian64(&b, UnixMicrosToPg(unix_micros));
  AddOwned(kOidTimestamptz, b);
}

void Params::AddJsonb(std::string_view json) {
  // jsonb's binary input: a version byte (1) and the JSON text.
  const size_t offset = storage_.size();
  storage_.push_back('\x01');
  storage_.append(json);
  types_.push_back(kOidJsonb);
  lengths_.push_back(static_cast<int>(json.size() + 1));
  formats_.push_back(1);
  views_.push_back(nullptr);
  owned_offsets_.push_back(static_cast<int64_t>(offset));
}

void Params::AddTextArray(const std::vector<std::string_view>& values) {
  // array_recv's format: ndim, has-nulls flag, element type, then per dimension (size, lower
  // bound), then each element as length + bytes. An empty array has ndim 0 and nothing else.
  std::string b;
  PutBigEndian32(&b, values.empty() ? 0 : 1);
  PutBigEndian32(&b, 0);
  PutBigEndian32(&b, static_cast<int32_t>(kOidText));
  if (!values.empty()) {
    PutBigEndian32(&b, static_cast<int32_t>(values.size()));
    PutBigEndian32(&b, 1);
    for (std::string_view v : values) {
      PutBigEndian32(&b, static_cast<int32_t>(v.size()));
      b.append(v);
    }
  }
  AddOwned(kOidTextArray, b);
}

void Params::Clear() {
  types_.clear();
  lengths_.clear();
  formats_.clear();
  views_.clear();
  owned_offsets_.clear();
  storage_.clear();
}

const char* const* Params::values() const {
  resolved_.resize(views_.size());
  for (size_t i = 0; i < views_.size(); ++i) {
    resolved_[i] = owned_offsets_[i] >= 0 ? storage_.data() + owned_offsets_[i] : views_[i];
  }
  return resolved_.data();
}

}  // namespace chinook::pg

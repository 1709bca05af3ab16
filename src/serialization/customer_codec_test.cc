#include "serialization/customer_codec.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/stubs/logging.h>
#include <google/protobuf/unknown_field_set.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <string>

#include "workload/customer_corpus.h"

namespace chinook::serialization {
namespace {

using google::protobuf::util::MessageDifferencer;

// Random customers meant to reach every corner of the wire format: empty and very long fields,
// non-ASCII UTF-8 (2-, 3- and 4-byte sequences), 0-32 metadata entries (empty keys and values
// included), absent / negative / maximal timestamps, and unknown fields of every wire type.
class HostileCustomerGenerator {
 public:
  explicit HostileCustomerGenerator(uint64_t seed) : rng_({.seed = seed}) {}

  std::string String() {
    static const char* const kPieces[] = {"a", "Z", "0", " ", "'", "\"", "\\", "é", "ß", "山", "😀", "\x7f", "\t"};
    std::string s;
    const uint64_t shape = rng_.Uniform(10);
    const uint64_t len = shape < 2 ? 0 : shape < 9 ? rng_.Uniform(24) : 200 + rng_.Uniform(800);
    for (uint64_t i = 0; i < len; ++i) s += kPieces[rng_.Uniform(std::size(kPieces))];
    return s;
  }

  Customer Next() {
    Customer c;
    c.set_id(String());
    c.set_email(String());
    c.set_name(String());
    c.set_phone(String());
    const uint64_t entries = rng_.Uniform(33);
    for (uint64_t i = 0; i < entries; ++i) (*c.mutable_metadata())[String()] = String();
    if (rng_.Uniform(4) != 0) {
      c.mutable_created_at()->set_seconds(static_cast<int64_t>(rng_.NextU64()) >> rng_.Uniform(64));
      c.mutable_created_at()->set_nanos(static_cast<int32_t>(rng_.Uniform(2000000000)) - 1000000000);
    }
    if (rng_.Uniform(4) != 0) c.mutable_updated_at()->set_seconds(static_cast<int64_t>(rng_.Uniform(1ull << 40)));
    if (rng_.Uniform(3) == 0) AddUnknownFields(&c);
    return c;
  }

 private:
  void AddUnknownFields(Customer* c) {
    auto* unknown = c->GetReflection()->MutableUnknownFields(c);
    for (uint64_t i = 0, n = 1 + rng_.Uniform(4); i < n; ++i) {
      // 8.. are unknown to this schema. A known number (1-7) is used only with a non-length-
      // delimited type, which libprotobuf keeps as an unknown field too.
      const bool known_number = rng_.Uniform(8) == 0;
      const int number = known_number ? 1 + static_cast<int>(rng_.Uniform(7)) : 8 + static_cast<int>(rng_.Uniform(5000));
      switch (known_number ? rng_.Uniform(3) : rng_.Uniform(5)) {
        case 0: unknown->AddVarint(number, rng_.NextU64()); break;
        case 1: unknown->AddFixed32(number, static_cast<uint32_t>(rng_.NextU64())); break;
        case 2: unknown->AddFixed64(number, rng_.NextU64()); break;
        case 3: unknown->AddLengthDelimited(number, String()); break;
        case 4: unknown->AddGroup(number)->AddVarint(1, rng_.Uniform(1000)); break;
      }
    }
  }

  workload::CustomerGenerator rng_;
};

// Map order on the wire is unspecified; deterministic bytes keep a failure reproducible.
std::string DeterministicBytes(const Customer& c) {
  std::string out;
  google::protobuf::io::StringOutputStream stream(&out);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  c.SerializeToCodedStream(&coded);
  coded.Trim();
  return out;
}

void ExpectViewMatches(const CustomerView& v, const Customer& c) {
  EXPECT_EQ(v.id, c.id());
  EXPECT_EQ(v.email, c.email());
  EXPECT_EQ(v.name, c.name());
  EXPECT_EQ(v.phone, c.phone());
  EXPECT_EQ(v.metadata.size(), c.metadata_size());
  for (const auto& [key, value] : c.metadata()) {
    auto found = v.FindMetadata(key);
    ASSERT_TRUE(found.has_value()) << key;
    EXPECT_EQ(*found, value);
  }
  EXPECT_EQ(v.created_at.present, c.has_created_at());
  EXPECT_EQ(v.created_at.seconds, c.created_at().seconds());
  EXPECT_EQ(v.created_at.nanos, c.created_at().nanos());
  EXPECT_EQ(v.updated_at.seconds, c.updated_at().seconds());
}

// The compatibility proof: 10,000 hostile customers, both directions, plus merged concatenations.
TEST(CustomerCodecTest, WireCompatibleWithLibprotobufInBothDirections) {
  HostileCustomerGenerator gen(2026);
  CustomerView view;
  Customer decoded;
  CustomerEncoder encoder;
  int with_unknown = 0;
  Customer previous;
  for (int i = 0; i < 10000; ++i) {
    const Customer c = gen.Next();
    with_unknown += !c.GetReflection()->GetUnknownFields(c).empty();

    // libprotobuf writes, we read.
    const std::string theirs = c.SerializeAsString();
    ASSERT_TRUE(DecodeCustomerView(theirs, &view).ok()) << i;
    ExpectViewMatches(view, c);
    ASSERT_TRUE(DecodeCustomer(theirs, &decoded).ok()) << i;
    ASSERT_TRUE(MessageDifferencer::Equals(c, decoded)) << i << "\n" << c.DebugString() << "\n" << decoded.DebugString();

    // We write, libprotobuf reads.
    const std::string_view ours = encoder.Encode(c);
    Customer parsed;
    ASSERT_TRUE(parsed.ParseFromArray(ours.data(), static_cast<int>(ours.size()))) << i;
    ASSERT_TRUE(MessageDifferencer::Equals(c, parsed)) << i;

    // Concatenation is merge: last scalar wins, maps merge by key, timestamps merge field-wise.
    if (i % 10 == 0) {
      const std::string merged_bytes = previous.SerializeAsString() + theirs;
      Customer expected;
      ASSERT_TRUE(expected.ParseFromString(merged_bytes));
      ASSERT_TRUE(DecodeCustomer(merged_bytes, &decoded).ok());
      ASSERT_TRUE(MessageDifferencer::Equals(expected, decoded)) << i;
    }
    previous = c;
  }
  EXPECT_GT(with_unknown, 2000);  // the generator really exercised unknown fields
}

TEST(CustomerCodecTest, RealisticCorpusRoundTrips) {
  CustomerView view;
  for (const Customer& c : workload::MakeCorpus(1000)) {
    std::string bytes;
    EncodeCustomer(c, &bytes);
    ASSERT_TRUE(DecodeCustomerView(bytes, &view).ok());
    ExpectViewMatches(view, c);
  }
}

// Whatever libprotobuf accepts we accept, and whatever it rejects we reject: every prefix and
// thousands of single-byte corruptions of real messages.
TEST(CustomerCodecTest, AcceptsAndRejectsExactlyWhatLibprotobufDoes) {
  google::protobuf::LogSilencer silence_utf8_complaints;
  HostileCustomerGenerator gen(7);
  workload::CustomerGenerator rng({.seed = 99});
  CustomerView view;
  int rejected = 0;
  for (int i = 0; i < 300; ++i) {
    const std::string bytes = DeterministicBytes(gen.Next());
    auto check = [&](const std::string& input, const char* what) {
      Customer lib;
      const bool lib_ok = lib.ParseFromArray(input.data(), static_cast<int>(input.size()));
      const Status ours = DecodeCustomerView(input, &view);
      ASSERT_EQ(ours.ok(), lib_ok) << what << " of customer " << i << ": ours=" << ours.ToString();
      if (!ours.ok()) {
        ++rejected;
        EXPECT_EQ(ours.code(), StatusCode::kDataLoss);
        EXPECT_NE(ours.message().find("offset"), std::string::npos) << ours.message();
      }
    };
    for (size_t len = 0; len < bytes.size(); len += 1 + bytes.size() / 40) check(bytes.substr(0, len), "prefix");
    for (int m = 0; m < 20 && !bytes.empty(); ++m) {
      std::string mutated = bytes;
      mutated[rng.Uniform(mutated.size())] = static_cast<char>(rng.NextU64());
      check(mutated, "mutation");
    }
  }
  EXPECT_GT(rejected, 1000);
}

TEST(CustomerCodecTest, ErrorsSayWhatAndWhere) {
  Customer c;
  c.set_id("c1");
  c.set_email("bad\xFFmail");
  // libprotobuf refuses to write invalid UTF-8 only with a log line; write the bytes by hand.
  std::string bytes = "\x0A\x02" "c1" "\x12\x08" "bad\xFFmail";
  CustomerView view;
  Status s = DecodeCustomerView(bytes, &view);
  EXPECT_EQ(s.code(), StatusCode::kDataLoss);
  EXPECT_EQ(s.message(), "customer: field 2 (email): invalid UTF-8 at byte 3 of 8 (input offset 9)");

  s = DecodeCustomerView(std::string("\x0A\x05" "ab", 4), &view);
  EXPECT_EQ(s.message(), "customer: field 1 (id): truncated or malformed at input offset 0");

  s = DecodeCustomerView(std::string("\x2A\x04\x0A\x02\xC3\x28", 6), &view);
  EXPECT_NE(s.message().find("field 5 (metadata) entry 0 key: invalid UTF-8"), std::string::npos) << s.message();

  s = DecodeCustomerView(std::string("\x00\x01", 2), &view);
  EXPECT_NE(s.message().find("field number 0) at input offset 0"), std::string::npos) << s.message();
}

TEST(CustomerCodecTest, KnownNumberWithWrongWireTypeIsKeptAsUnknown) {
  // Field 1 (id) sent as a varint: libprotobuf keeps it as an unknown field, so do we.
  const std::string bytes("\x08\x96\x01\x12\x01x", 6);
  CustomerView view;
  ASSERT_TRUE(DecodeCustomerView(bytes, &view).ok());
  EXPECT_EQ(view.id, "");
  EXPECT_EQ(view.email, "x");
  ASSERT_EQ(view.unknown_fields.size(), 1u);
  EXPECT_EQ(view.unknown_fields[0], std::string_view("\x08\x96\x01", 3));
}

// The fast encoder writes byte for byte what libprotobuf writes (both walk the map in its own
// order), also when a reused encoder follows a long customer with a short one.
TEST(CustomerCodecTest, EncoderWritesTheBytesLibprotobufWrites) {
  CustomerEncoder encoder;
  std::string appended;
  int compared = 0;
  auto check = [&](const Customer& c) {
    const std::string theirs = c.SerializeAsString();
    ASSERT_EQ(encoder.Encode(c), theirs) << c.DebugString();
    appended.clear();
    EncodeCustomer(c, &appended);
    ASSERT_EQ(appended, theirs);
    ++compared;
  };
  for (const Customer& c : workload::MakeCorpus(1000)) check(c);
  HostileCustomerGenerator gen(11);
  for (int i = 0; i < 3000; ++i) {
    const Customer c = gen.Next();
    if (c.GetReflection()->GetUnknownFields(c).empty()) check(c);  // with unknown fields: libprotobuf writes them
  }
  Customer tiny;
  tiny.set_id("x");
  check(tiny);
  check(Customer());
  EXPECT_GT(compared, 2500);
}

// A realistic customer with every string replaced, one byte at a time, by a byte that is never
// UTF-8: the decoder refuses each, naming the field (and for metadata the entry and key or value)
// and the offset of the bad byte.
TEST(CustomerCodecTest, BadUtf8AtEveryPositionOfEveryStringIsNamed) {
  Customer c = workload::MakeCorpus(8)[5];
  c.set_phone("+4412345678");
  (*c.mutable_metadata())["plan"] = "enterprise";
  std::string bytes;
  EncodeCustomer(c, &bytes);
  CustomerView view;
  ASSERT_TRUE(DecodeCustomerView(bytes, &view).ok());
  struct Span {
    std::string_view s;
    std::string name;
  };
  std::vector<Span> spans = {{view.id, "field 1 (id)"}, {view.email, "field 2 (email)"},
                             {view.name, "field 3 (name)"}, {view.phone, "field 4 (phone)"}};
  for (size_t i = 0; i < view.metadata.size(); ++i) {
    spans.push_back({view.metadata[i].key, "field 5 (metadata) entry " + std::to_string(i) + " key"});
    spans.push_back({view.metadata[i].value, "field 5 (metadata) entry " + std::to_string(i) + " value"});
  }
  int checked = 0;
  for (const Span& span : spans) {
    const size_t start = static_cast<size_t>(span.s.data() - bytes.data());
    for (size_t k = 0; k < span.s.size(); ++k) {
      for (char bad : {'\xFF', '\x80', '\xC3'}) {
        std::string mutated = bytes;
        mutated[start + k] = bad;
        // 0xC3 before a continuation byte would be valid: skip that case.
        if (bad == '\xC3' && k + 1 < span.s.size() && (static_cast<uint8_t>(mutated[start + k + 1]) & 0xC0) == 0x80) {
          continue;
        }
        CustomerView v;
        const Status st = DecodeCustomerView(mutated, &v);
        ASSERT_EQ(st.code(), StatusCode::kDataLoss) << span.name << " byte " << k;
        EXPECT_NE(st.message().find("customer: " + span.name + ": invalid UTF-8 at byte " + std::to_string(k)),
                  std::string::npos)
            << st.message();
        EXPECT_NE(st.message().find("(input offset " + std::to_string(start + k) + ")"), std::string::npos)
            << st.message();
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 100);
}

// Malformed input on the fast paths' shapes: truncated or over-long Timestamp varints, metadata
// entries whose lengths run past their end, a length past the input at every field.
TEST(CustomerCodecTest, MalformedFieldsOnTheFastPathsAreRefusedWithWhere) {
  CustomerView view;
  auto message = [&](const std::string& bytes) {
    const Status st = DecodeCustomerView(bytes, &view);
    EXPECT_EQ(st.code(), StatusCode::kDataLoss) << bytes.size();
    return st.message();
  };
  // created_at whose seconds varint ends at the end of its field, and one of eleven bytes.
  EXPECT_EQ(message(std::string("\x32\x03\x08\x80\x80", 5)),
            "customer: field 6 (created_at).seconds: truncated or malformed at input offset 5");  // where it ran out
  EXPECT_NE(message("\x3A\x0C\x08" + std::string(10, '\x80') + "\x01").find("field 7 (updated_at).seconds"),
            std::string::npos);
  EXPECT_NE(message(std::string("\x32\x04\x08\x01\x10\x80", 6)).find("field 6 (created_at).nanos"), std::string::npos);
  // Metadata entry: key length past the entry, value length past the entry.
  EXPECT_NE(message(std::string("\x2A\x04\x0A\x05" "ab", 6)).find("field 5 (metadata) entry 0 key"), std::string::npos);
  EXPECT_NE(message(std::string("\x2A\x06\x0A\x01" "a" "\x12\x05" "b", 8)).find("field 5 (metadata) entry 0 value"),
            std::string::npos);
  // Every field of a real customer with its length byte raised past the end of the input.
  std::string bytes;
  EncodeCustomer(workload::MakeCorpus(4)[2], &bytes);
  size_t at = 0;
  int fields = 0;
  while (at < bytes.size()) {
    const uint8_t tag = static_cast<uint8_t>(bytes[at]);
    const size_t len = static_cast<uint8_t>(bytes[at + 1]);
    ASSERT_LT(len, 0x80u);  // one-byte lengths in this corpus
    std::string mutated = bytes;
    mutated[at + 1] = static_cast<char>(0x7F);
    if (at + 2 + 0x7F > bytes.size()) {
      EXPECT_EQ(message(mutated), "customer: " + std::string("field ") + std::to_string(tag >> 3) + " (" +
                                      (tag >> 3 == 5 ? "metadata" : tag >> 3 == 6 ? "created_at" : tag >> 3 == 7 ? "updated_at"
                                       : tag >> 3 == 1 ? "id" : tag >> 3 == 2 ? "email" : tag >> 3 == 3 ? "name" : "phone") +
                                      "): truncated or malformed at input offset " + std::to_string(at));
      ++fields;
    }
    at += 2 + len;
  }
  EXPECT_GE(fields, 4);
}

// Shapes the fast paths hand to the general decoders: a map entry with the value first, without
// a key, with a two-byte length; a Timestamp with nanos first, and one repeated (fields merge).
TEST(CustomerCodecTest, OtherShapesTakeTheGeneralDecodersAndDecodeAsLibprotobufDoes) {
  const std::string long_key(200, 'k');
  const std::string bytes = std::string("\x2A\x08\x12\x02" "v1" "\x0A\x02" "k1", 10) +  // value before key
                            std::string("\x2A\x04\x12\x02" "v2", 6) +                  // no key
                            "\x2A\xCE\x01\x0A\xC8\x01" + long_key + std::string("\x12\x01" "x", 3) +
                            std::string("\x32\x05\x10\x07\x08\xAC\x02", 7) +            // nanos, then seconds
                            std::string("\x3A\x02\x08\x05\x3A\x02\x10\x09", 8);         // updated_at twice
  Customer lib;
  ASSERT_TRUE(lib.ParseFromString(bytes));
  CustomerView view;
  ASSERT_TRUE(DecodeCustomerView(bytes, &view).ok());
  ExpectViewMatches(view, lib);
  EXPECT_EQ(view.FindMetadata("k1"), "v1");
  EXPECT_EQ(view.FindMetadata(""), "v2");
  EXPECT_EQ(view.FindMetadata(long_key), "x");
  EXPECT_EQ(view.created_at.seconds, 300);
  EXPECT_EQ(view.created_at.nanos, 7);
  EXPECT_EQ(view.updated_at.seconds, 5);
  EXPECT_EQ(view.updated_at.nanos, 9);
}

TEST(CustomerCodecTest, SteadyStateDecodeReusesTheView) {
  const auto corpus = workload::MakeCorpus(50);
  std::string bytes;
  EncodeCustomer(corpus[3], &bytes);
  CustomerView view;
  ASSERT_TRUE(DecodeCustomerView(bytes, &view).ok());
  const auto* metadata_storage = view.metadata.data();
  ASSERT_TRUE(DecodeCustomerView(bytes, &view).ok());
  EXPECT_EQ(view.metadata.data(), metadata_storage);
}

}  // namespace
}  // namespace chinook::serialization

#include "serialization/batch_codec.h"

#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include "serialization/gzip.h"
#include "serialization/wire.h"
#include "testing/status_matchers.h"
#include "workload/customer_corpus.h"

namespace chinook::serialization {
namespace {

using google::protobuf::util::MessageDifferencer;

// `n` copies of the two-byte field `tag, 0`: as batch fields (0x0A) each is an empty customer, as
// customer fields an empty metadata entry (0x2A) or an unknown varint (0x40). Each costs the
// decoder a view element for two input bytes: the shape of a memory bomb.
std::string Repeated(char tag, size_t n) {
  std::string s(2 * n, '\0');
  for (size_t i = 0; i < s.size(); i += 2) s[i] = tag;
  return s;
}

// A batch holding `customer_bytes` as one customer.
std::string AsBatchCustomer(const std::string& customer_bytes) {
  std::string out;
  wire::WireWriter w(&out);
  w.Byte(wire::Tag(1, wire::kLengthDelimited));
  w.Varint(customer_bytes.size());
  w.Bytes(customer_bytes);
  w.Finish();
  return out;
}

TEST(BatchCodecTest, EncodeBatchIsWhatLibprotobufReads) {
  const auto corpus = workload::MakeCorpus(1000);
  std::string bytes;
  EncodeBatch(corpus, &bytes);
  CustomerBatch parsed;
  ASSERT_TRUE(parsed.ParseFromString(bytes));
  ASSERT_EQ(parsed.customers_size(), 1000);
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(MessageDifferencer::Equals(parsed.customers(i), corpus[i])) << i;
}

TEST(BatchCodecTest, DecodeBatchViewReadsLibprotobufBatches) {
  CustomerBatch batch;
  for (const auto& c : workload::MakeCorpus(300)) *batch.add_customers() = c;
  batch.GetReflection()->MutableUnknownFields(&batch)->AddVarint(9, 77);  // skipped
  const std::string bytes = NaiveEncodeBatch(batch);
  std::vector<CustomerView> views(500);  // more than needed: shrinks to the batch
  ASSERT_TRUE(DecodeBatchView(bytes, &views).ok());
  ASSERT_EQ(views.size(), 300u);
  Customer c;
  for (int i = 0; i < 300; ++i) {
    ToMessage(views[i], &c);
    ASSERT_TRUE(MessageDifferencer::Equals(c, batch.customers(i))) << i;
  }
  ASSERT_TRUE(DecodeBatchView("", &views).ok());
  EXPECT_TRUE(views.empty());
}

TEST(BatchCodecTest, NaivePathRoundTrips) {
  const auto corpus = workload::MakeCorpus(10);
  for (const auto& c : corpus) {
    auto decoded = NaiveDecodeCustomer(NaiveEncodeCustomer(c));
    ASSERT_TRUE(decoded.ok());
    EXPECT_TRUE(MessageDifferencer::Equals(**decoded, c));
  }
  EXPECT_EQ(NaiveDecodeCustomer("\x0A\x05" "ab").status().code(), StatusCode::kDataLoss);
}

TEST(BatchCodecTest, ErrorNamesTheCustomerInTheBatch) {
  std::string bytes;
  EncodeBatch(workload::MakeCorpus(3), &bytes);
  // A fourth customer whose name is invalid UTF-8.
  bytes += std::string("\x0A\x06\x1A\x04" "ab\xC3\x28", 8);
  std::vector<CustomerView> views;
  Status s = DecodeBatchView(bytes, &views);
  EXPECT_EQ(s.code(), StatusCode::kDataLoss);
  EXPECT_NE(s.message().find("batch customer 3"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("field 3 (name): invalid UTF-8 at byte 2"), std::string::npos) << s.message();

  // Truncated: the length of the last customer runs past the end.
  std::string truncated = bytes.substr(0, bytes.size() - 3);
  s = DecodeBatchView(truncated, &views);
  EXPECT_NE(s.message().find("runs past the end"), std::string::npos) << s.message();
}

TEST(BatchCodecTest, GzipBatchRoundTripThroughTheViews) {
  const auto corpus = workload::MakeCorpus(1000);
  std::string raw, packed, unpacked;
  EncodeBatch(corpus, &raw);
  ASSERT_TRUE(GzipCompressor().Compress(raw, &packed).ok());
  ASSERT_TRUE(GzipDecompressor().Decompress(packed, &unpacked).ok());
  std::vector<CustomerView> views;
  ASSERT_TRUE(DecodeBatchView(unpacked, &views).ok());
  ASSERT_EQ(views.size(), corpus.size());
  EXPECT_EQ(views[999].id, corpus[999].id());
}

TEST(BatchCodecTest, GzipBombOfEmptyCustomersStopsAtMaxCustomers) {
  // 64 MiB of empty customers: inside the gzip limit, 65 KB compressed at level 9 (290 KB at
  // level 1), and 33 million views (4.8 GB) without a bound on the decoded form.
  const DecodeOptions defaults;
  const GzipOptions gzip_defaults;
  const std::string raw = Repeated('\x0A', gzip_defaults.max_output_bytes / 2);
  std::string packed, unpacked;
  ASSERT_TRUE(GzipCompressor({.level = 1}).Compress(raw, &packed).ok());
  ASSERT_LT(packed.size(), 512u << 10);
  ASSERT_TRUE(GzipDecompressor().Decompress(packed, &unpacked).ok());  // the byte limit holds
  ASSERT_EQ(unpacked.size(), gzip_defaults.max_output_bytes);
  std::vector<CustomerView> views;
  Status s = DecodeBatchView(unpacked, &views);
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted) << s.ToString();
  EXPECT_NE(s.message().find("batch customer " + std::to_string(defaults.max_customers) + " (input offset " +
                             std::to_string(2 * defaults.max_customers) + ")"),
            std::string::npos)
      << s.message();
  EXPECT_NE(s.message().find("max_customers (" + std::to_string(defaults.max_customers) + ")"), std::string::npos)
      << s.message();
  EXPECT_LE(HeldBytes(views), defaults.max_view_bytes);
  EXPECT_LE(views.size(), defaults.max_customers);
}

TEST(BatchCodecTest, DefaultsAdmitARealisticBatchAsLargeAsTheGzipLimit) {
  // The bounds refuse bombs, not big batches: corpus customers filling the 64 MiB gzip limit
  // decode with the default options.
  std::string thousand, raw;
  EncodeBatch(workload::MakeCorpus(1000), &thousand);
  const GzipOptions gzip_defaults;
  while (raw.size() + thousand.size() <= gzip_defaults.max_output_bytes) raw += thousand;
  std::vector<CustomerView> views;
  Status s = DecodeBatchView(raw, &views);
  CHINOOK_ASSERT_OK(s);
  EXPECT_EQ(views.size(), raw.size() / thousand.size() * 1000);
  EXPECT_LE(HeldBytes(views), DecodeOptions().max_view_bytes);
}

TEST(BatchCodecTest, ViewBytesBoundHoldsWithoutACustomerLimit) {
  const DecodeOptions options{.max_customers = SIZE_MAX, .max_view_bytes = 1u << 20};
  std::vector<CustomerView> views;
  Status s = DecodeBatchView(Repeated('\x0A', 1u << 20), &views, options);
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted) << s.ToString();
  EXPECT_NE(s.message().find("max_view_bytes (1048576 bytes)"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("batch customer "), std::string::npos) << s.message();
  EXPECT_LE(HeldBytes(views), options.max_view_bytes);
  // Just under the limit decodes.
  const size_t fits = options.max_view_bytes / sizeof(CustomerView) / 2;
  ASSERT_TRUE(DecodeBatchView(Repeated('\x0A', fits), &views, options).ok());
  EXPECT_EQ(views.size(), fits);
}

TEST(BatchCodecTest, OneCustomerOfMillionsOfMetadataEntriesOrUnknownFieldsStops) {
  const DecodeOptions options{.max_view_bytes = 1u << 20};
  const struct {
    char tag;
    const char* names;
  } cases[] = {{'\x2A', "field 5 (metadata) entry "}, {'\x40', "unknown field 8"}};
  for (const auto& c : cases) {
    const std::string customer = Repeated(c.tag, 1u << 20);  // a million two-byte elements
    CustomerView view;
    Status s = DecodeCustomerView(customer, &view, options);
    EXPECT_EQ(s.code(), StatusCode::kResourceExhausted) << s.ToString();
    EXPECT_NE(s.message().find(c.names), std::string::npos) << s.message();
    EXPECT_NE(s.message().find("max_view_bytes (1048576 bytes)"), std::string::npos) << s.message();
    EXPECT_NE(s.message().find("at input offset "), std::string::npos) << s.message();
    EXPECT_LE(view.HeldBytes(), options.max_view_bytes);

    std::vector<CustomerView> views;
    s = DecodeBatchView(AsBatchCustomer(customer), &views, options);
    EXPECT_EQ(s.code(), StatusCode::kResourceExhausted) << s.ToString();
    EXPECT_NE(s.message().find("batch customer 0"), std::string::npos) << s.message();
    EXPECT_NE(s.message().find(c.names), std::string::npos) << s.message();
    EXPECT_LE(HeldBytes(views), options.max_view_bytes);
  }
}

TEST(BatchCodecTest, ReusedViewsAcceptWhatFreshOnesDoAndGiveBackWhatTheyKept) {
  // Each batch alone needs ~80% of the limit, in a different customer's metadata. Reused views
  // must neither refuse the second (its own needs fit) nor keep both customers' capacity.
  const DecodeOptions options{.max_view_bytes = 1u << 20};
  const size_t entries = options.max_view_bytes * 8 / 10 / sizeof(MetadataEntryView);
  const std::string big = AsBatchCustomer(Repeated('\x2A', entries));
  const std::string small = AsBatchCustomer(std::string("\x0A\x01x", 3));
  std::vector<CustomerView> views;
  ASSERT_TRUE(DecodeBatchView(big + small, &views, options).ok());
  Status s = DecodeBatchView(small + big, &views, options);
  CHINOOK_ASSERT_OK(s);
  ASSERT_EQ(views.size(), 2u);
  EXPECT_EQ(views[1].metadata.size(), entries);
  EXPECT_LE(HeldBytes(views), options.max_view_bytes);
  // Over and over, alternating: still bounded.
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(DecodeBatchView(i % 2 ? small + big : big + small, &views, options).ok());
    EXPECT_LE(HeldBytes(views), options.max_view_bytes);
  }
}

}  // namespace
}  // namespace chinook::serialization

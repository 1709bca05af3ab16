#include "serialization/batch_codec.h"

#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include "serialization/gzip.h"
#include "testing/customer_corpus.h"

namespace chinook::serialization {
namespace {

using google::protobuf::util::MessageDifferencer;

TEST(BatchCodecTest, EncodeBatchIsWhatLibprotobufReads) {
  const auto corpus = testing::MakeCorpus(1000);
  std::string bytes;
  EncodeBatch(corpus, &bytes);
  CustomerBatch parsed;
  ASSERT_TRUE(parsed.ParseFromString(bytes));
  ASSERT_EQ(parsed.customers_size(), 1000);
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(MessageDifferencer::Equals(parsed.customers(i), corpus[i])) << i;
}

TEST(BatchCodecTest, DecodeBatchViewReadsLibprotobufBatches) {
  CustomerBatch batch;
  for (const auto& c : testing::MakeCorpus(300)) *batch.add_customers() = c;
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
  const auto corpus = testing::MakeCorpus(10);
  for (const auto& c : corpus) {
    auto decoded = NaiveDecodeCustomer(NaiveEncodeCustomer(c));
    ASSERT_TRUE(decoded.ok());
    EXPECT_TRUE(MessageDifferencer::Equals(**decoded, c));
  }
  EXPECT_EQ(NaiveDecodeCustomer("\x0A\x05" "ab").status().code(), StatusCode::kDataLoss);
}

TEST(BatchCodecTest, ErrorNamesTheCustomerInTheBatch) {
  std::string bytes;
  EncodeBatch(testing::MakeCorpus(3), &bytes);
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
  const auto corpus = testing::MakeCorpus(1000);
  std::string raw, packed, unpacked;
  EncodeBatch(corpus, &raw);
  ASSERT_TRUE(GzipCompressor().Compress(raw, &packed).ok());
  ASSERT_TRUE(GzipDecompressor().Decompress(packed, &unpacked).ok());
  std::vector<CustomerView> views;
  ASSERT_TRUE(DecodeBatchView(unpacked, &views).ok());
  ASSERT_EQ(views.size(), corpus.size());
  EXPECT_EQ(views[999].id, corpus[999].id());
}

}  // namespace
}  // namespace chinook::serialization

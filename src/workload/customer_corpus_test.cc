#include "workload/customer_corpus.h"

#include <gtest/gtest.h>

#include <google/protobuf/util/message_differencer.h>

#include <set>

namespace chinook::workload {
namespace {

TEST(CustomerCorpusTest, SameSeedSameCustomers) {
  auto a = MakeCorpus(200, {.seed = 7});
  auto b = MakeCorpus(200, {.seed = 7});
  ASSERT_EQ(a.size(), 200u);
  for (size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(a[i], b[i])) << i;
  auto c = MakeCorpus(200, {.seed = 8});
  EXPECT_NE(a[0].id(), c[0].id());
}

TEST(CustomerCorpusTest, CustomersAreVariedAndUnique) {
  auto corpus = MakeCorpus(1000);
  std::set<std::string> ids;
  size_t with_phone = 0, max_meta = 0, min_meta = 100;
  for (const auto& c : corpus) {
    ids.insert(c.id());
    EXPECT_FALSE(c.email().empty());
    EXPECT_NE(c.email().find('@'), std::string::npos);
    EXPECT_GE(c.updated_at().seconds(), c.created_at().seconds());
    with_phone += !c.phone().empty();
    max_meta = std::max<size_t>(max_meta, c.metadata_size());
    min_meta = std::min<size_t>(min_meta, c.metadata_size());
  }
  EXPECT_EQ(ids.size(), corpus.size());
  EXPECT_GT(with_phone, 700u);
  EXPECT_LT(with_phone, 900u);
  EXPECT_EQ(min_meta, 0u);
  EXPECT_GE(max_meta, 6u);
}

}  // namespace
}  // namespace chinook::workload

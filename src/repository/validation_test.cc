#include "repository/validation.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace chinook::repository {
namespace {

Customer Valid() {
  Customer c;
  c.set_id("cust-1");
  c.set_email("ada@example.com");
  c.set_name("Ada Lovelace");
  c.set_phone("+442071234567");
  (*c.mutable_metadata())["plan"] = "pro";
  return c;
}

// Expects InvalidArgument whose message starts with `field`.
void ExpectInvalid(const Customer& c, const std::string& field) {
  Status s = ValidateCustomer(c);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << field << ": " << s.ToString();
  EXPECT_EQ(s.message().rfind(field, 0), 0u) << s.ToString();
}

TEST(ValidationTest, AcceptsValidAndHostileButLegalValues) {
  EXPECT_TRUE(ValidateCustomer(Valid()).ok());
  Customer c = Valid();
  c.set_id("'; DROP TABLE customers; --");
  c.set_name("Robert'); DROP TABLE students;-- \\ \" \n\t 山田 😀");
  c.set_email("o'brien+tag@xn--bcher-kva.example");
  c.clear_phone();
  (*c.mutable_metadata())["quote\"key"] = "{\"json\": 1}\\\x01";
  EXPECT_TRUE(ValidateCustomer(c).ok()) << ValidateCustomer(c).ToString();
  c.set_id(std::string(64, 'x'));
  EXPECT_TRUE(ValidateCustomer(c).ok());
  c.set_id("😀😀😀");  // 3 characters, 12 bytes
  EXPECT_TRUE(ValidateCustomer(c).ok());
}

// The largest customer the rules allow: every limit reached, none exceeded.
Customer Largest() {
  Customer c = Valid();
  std::string id;
  for (int i = 0; i < 64; ++i) id += "\U0001F600";  // 64 characters, 256 bytes
  c.set_id(id);
  c.set_name(std::string(1024, 'n'));
  c.set_phone("+" + std::string(15, '9'));
  c.mutable_metadata()->clear();
  for (int i = 0; i < 64; ++i) (*c.mutable_metadata())[std::to_string(100 + i)] = std::string(125, 'v');
  return c;  // 64 x (3 + 125) = 8192 bytes of metadata
}

TEST(ValidationTest, AcceptsEveryLimitExactly) {
  EXPECT_TRUE(ValidateCustomer(Largest()).ok()) << ValidateCustomer(Largest()).ToString();
  Customer c = Largest();
  (*c.mutable_metadata())["100"].push_back('v');  // one byte over 8 KiB
  EXPECT_EQ(ValidateCustomer(c).code(), StatusCode::kInvalidArgument);
  c = Largest();
  c.mutable_id()->append("x");  // 65 characters
  EXPECT_EQ(ValidateCustomer(c).code(), StatusCode::kInvalidArgument);
}

TEST(ValidationTest, RejectsEachFieldByName) {
  Customer c = Valid();
  c.set_id("");
  ExpectInvalid(c, "id");
  c.set_id(std::string(65, 'x'));
  ExpectInvalid(c, "id");
  c.set_id("tab\there");
  ExpectInvalid(c, "id");
  c.set_id("bad\xff");
  ExpectInvalid(c, "id");
  c.set_id("x\xC0\xAF");  // overlong '/'
  ExpectInvalid(c, "id");
  c.set_id("x\xED\xA0\x80");  // UTF-16 surrogate
  ExpectInvalid(c, "id");

  for (const char* email : {"", "no-at.example.com", "@example.com", "a@", "a@b", "a@@b.com", "a b@x.com",
                            "a@x..com", "a@-x.com", "a@x_y.com", "a@x.com\n"}) {
    c = Valid();
    c.set_email(email);
    ExpectInvalid(c, "email");
  }
  c = Valid();
  c.set_email(std::string(250, 'a') + "@x.com");
  ExpectInvalid(c, "email");

  for (const char* phone : {"442071234567", "+", "+1", "+0123456", "+1234567890123456", "+44 20", "+44-20"}) {
    c = Valid();
    c.set_phone(phone);
    ExpectInvalid(c, "phone");
  }

  c = Valid();
  c.set_name("");
  ExpectInvalid(c, "name");
  c.set_name(std::string("a\0b", 3));
  ExpectInvalid(c, "name");
  c.set_name(std::string(1025, 'n'));
  ExpectInvalid(c, "name");

  c = Valid();
  for (int i = 0; i < 65; ++i) (*c.mutable_metadata())[std::to_string(1000 + i)].push_back('v');
  ExpectInvalid(c, "metadata");
  c = Valid();
  (*c.mutable_metadata())["big"] = std::string(8 * 1024, 'v');
  ExpectInvalid(c, "metadata");
  c = Valid();
  (*c.mutable_metadata())[""] = "v";
  ExpectInvalid(c, "metadata");
  c = Valid();
  (*c.mutable_metadata())["k"] = "\xff";
  ExpectInvalid(c, "metadata[\"k\"]");

  c = Valid();
  c.mutable_created_at()->set_nanos(-1);
  ExpectInvalid(c, "created_at");
  c = Valid();
  c.mutable_updated_at()->set_seconds(300000000000);
  ExpectInvalid(c, "updated_at");
}

TEST(ValidationTest, BatchNamesTheRowAndRepeatedIds) {
  std::vector<Customer> batch(5, Valid());
  for (int i = 0; i < 5; ++i) batch[i].set_id(std::to_string(i).insert(0, 1, 'c'));
  EXPECT_TRUE(ValidateBatch(batch).ok());
  batch[3].set_email("broken");
  Status s = ValidateBatch(batch);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "row 3: email: missing '@'");
  batch[3].set_email("ok@example.com");
  batch[4].set_id("c1");
  s = ValidateBatch(batch);
  EXPECT_EQ(s.code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(s.message(), "row 4: id: same id as row 1");
}

TEST(ValidationTest, Utf8EverywhereIsWellFormed) {
  Customer c = Valid();
  c.set_name("a\u00e9\u4e2d\U0001F600");
  EXPECT_TRUE(ValidateCustomer(c).ok());
  for (const char* bad : {"\x80", "\xE4\xB8" /* truncated */, "\xF4\x90\x80\x80" /* > U+10FFFF */,
                          "\xE0\x80\x80" /* overlong */}) {
    c.set_name(bad);
    ExpectInvalid(c, "name");
  }
}

}  // namespace
}  // namespace chinook::repository

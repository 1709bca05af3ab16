#include "repository/validation.h"

#include <gtest/gtest.h>

#include <cstdio>

#include <string>
#include <vector>

#include "common/utf8.h"

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

// A batch large enough for the duplicate-id table to probe past occupied slots: every pair of
// repeated ids is found, and the first repeat in row order is the one named.
TEST(ValidationTest, BatchFindsEveryRepeatedIdInALargeBatch) {
  constexpr int kRows = 20000;
  std::vector<Customer> batch(kRows, Valid());
  for (int i = 0; i < kRows; ++i) batch[i].set_id("id-" + std::to_string(i));
  EXPECT_TRUE(ValidateBatch(batch).ok());
  for (int first : {0, 7, 9998}) {
    for (int later : {first + 1, kRows - 1}) {
      std::vector<Customer> repeated = batch;
      repeated[later].set_id(repeated[first].id());
      Status s = ValidateBatch(repeated);
      EXPECT_EQ(s.code(), StatusCode::kAlreadyExists);
      EXPECT_EQ(s.message(), "row " + std::to_string(later) + ": id: same id as row " + std::to_string(first));
    }
  }
  // Two repeats: the earlier later row is named, whatever the order of the originals.
  batch[15000].set_id(batch[12000].id());
  batch[13000].set_id(batch[100].id());
  EXPECT_EQ(ValidateBatch(batch).message(), "row 13000: id: same id as row 100");
}

// Expects InvalidArgument whose message contains `says`.
void ExpectRefused(const Status& s, const std::string& says) {
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << says << ": " << s.ToString();
  EXPECT_NE(s.message().find(says), std::string::npos) << "want \"" << says << "\" in: " << s.message();
}

TEST(ValidationTest, EmailDotsAndDomainLabelLengthsNameThePosition) {
  ExpectRefused(ValidateEmail(".a..b.@x.com"), "email: local part starts with '.' at byte 0");
  ExpectRefused(ValidateEmail("a..b.@x.com"), "email: local part ends with '.' at byte 4");
  ExpectRefused(ValidateEmail("ab..c@x.com"), "email: consecutive dots in the local part at byte 2");
  EXPECT_TRUE(ValidateEmail("a.b.c@x.com").ok());
  const std::string label63(63, 'x');
  EXPECT_TRUE(ValidateEmail("a@" + label63 + ".com").ok());
  ExpectRefused(ValidateEmail("a@" + label63 + "x.com"), "email: domain label longer than 63 bytes (64) at byte 2");
  ExpectRefused(ValidateEmail("a@x.com." + std::string(70, 'y')), "longer than 63 bytes (70) at byte 8");
  ExpectRefused(ValidateEmail("a@x..com"), "email: empty label in the domain at byte 4");
  ExpectRefused(ValidateEmail("a@x.co_m"), "email: invalid character in the domain at byte 6");
  ExpectRefused(ValidateEmail("ab@x.com\n"), "email: control character U+000A at byte 8");
  ExpectRefused(ValidateEmail("a\u202e@x.com"), "email: invisible or bidirectional formatting character U+202E at byte 1");
}

TEST(ValidationTest, IdsMustShowSomethingAndHideNothing) {
  for (const char* blank : {" ", "   ", "\u3000", " \u00a0 ", "\u2003"}) {
    ExpectRefused(ValidateId(blank), "id: only whitespace");
  }
  // Bidirectional embeddings, overrides and isolates; zero-width and other format characters;
  // line and paragraph separators; a tag character.
  std::vector<uint32_t> hidden = {0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x2060, 0xFEFF,
                                  0x061C, 0x00AD, 0x2028, 0x2029, 0xE0041};
  for (uint32_t cp = 0x202A; cp <= 0x202E; ++cp) hidden.push_back(cp);
  for (uint32_t cp = 0x2066; cp <= 0x2069; ++cp) hidden.push_back(cp);
  for (uint32_t cp : hidden) {
    std::string id = "ab";
    AppendUtf8(cp, &id);
    id += "c";
    char name[16];
    std::snprintf(name, sizeof(name), "U+%04X", cp);
    ExpectRefused(ValidateId(id), std::string("id: invisible or bidirectional formatting character ") + name +
                                      " at byte 2");
  }
  ExpectRefused(ValidateId("a\x7f"), "id: control character U+007F at byte 1");
  ExpectRefused(ValidateId("a\u0085"), "id: control character U+0085 at byte 1");
  ExpectRefused(ValidateId(std::string(1u << 20, 'x')), "id: longer than 64 characters");
  for (const char* fine : {" leading and trailing ", "\u05e2\u05d1\u05e8\u05d9\u05ea", "\U0001F600", "a b", "x"}) {
    EXPECT_TRUE(ValidateId(fine).ok()) << fine << ": " << ValidateId(fine).ToString();
  }
}

TEST(ValidationTest, MetadataSizeIsCheckedBeforeEachEntryIsScanned) {
  // Every value is over the limit and ends in a NUL: a check made only after scanning every
  // value reports the NUL (or scans 64 MiB); the running total refuses the first entry unread.
  Customer c = Valid();
  c.mutable_metadata()->clear();
  for (int i = 0; i < 64; ++i) {
    std::string value(1u << 20, 'v');
    value.back() = '\0';
    (*c.mutable_metadata())["k" + std::to_string(i)] = std::move(value);
  }
  ExpectRefused(ValidateCustomer(c), "metadata: keys and values exceed 8192 bytes at entry 0 (of 64)");
  // Under the limit, the position of a bad value is named.
  c = Valid();
  (*c.mutable_metadata())["k"] = std::string("ok\0", 3);
  ExpectRefused(ValidateCustomer(c), "metadata[\"k\"]: value: contains NUL at byte 2");
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

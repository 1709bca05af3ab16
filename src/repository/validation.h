// Validation of customers before any SQL is sent (rules in customer_repository.h).
//
// Errors are InvalidArgument naming the field and, where there is one, the offending position
// ("email: consecutive dots in the local part at byte 2", "id: invisible or bidirectional
// formatting character U+202E at byte 3"); ValidateBatch prefixes the row ("row 17: phone: ...").
// Messages never echo the offending value: it may be huge, binary or private.
//
// Cost: linear in the customer's size, and bounded whatever its size: ids and emails are
// refused on their byte length before they are decoded, and metadata stops being scanned as soon
// as the running total of its keys and values passes kMaxMetadataBytes.
//
// Thread safety: pure functions.
#ifndef CHINOOK_REPOSITORY_VALIDATION_H_
#define CHINOOK_REPOSITORY_VALIDATION_H_

#include <cstddef>
#include <span>
#include <string_view>

#include "chinook/status.h"
#include "repository/customer_repository.h"

namespace chinook::repository {

inline constexpr size_t kMaxIdChars = 64;
inline constexpr size_t kMaxEmailBytes = 254;  // RFC 5321's path limit minus the angle brackets
inline constexpr size_t kMaxEmailLocalBytes = 64;
inline constexpr size_t kMaxDomainLabelBytes = 63;  // RFC 1035 section 2.3.4
inline constexpr size_t kMaxNameBytes = 1024;
inline constexpr size_t kMaxMetadataEntries = 64;
inline constexpr size_t kMaxMetadataBytes = 8 * 1024;  // keys plus values
inline constexpr size_t kMaxPhoneDigits = 15;          // E.164
inline constexpr size_t kMinPhoneDigits = 2;

[[nodiscard]] Status ValidateId(std::string_view id);
[[nodiscard]] Status ValidateEmail(std::string_view email);
[[nodiscard]] Status ValidatePhone(std::string_view phone);
[[nodiscard]] Status ValidateCustomer(const Customer& customer);
// Every row, plus ids repeated within the batch (AlreadyExists naming both rows).
[[nodiscard]] Status ValidateBatch(std::span<const Customer> customers);

}  // namespace chinook::repository

#endif  // CHINOOK_REPOSITORY_VALIDATION_H_

// Optional scrubbing of personal data: e-mail addresses, phone numbers and
// IPv4/IPv6 addresses are replaced by placeholders. Hand-written scanners
// (no regex engine), applied in this order, each skipping what an earlier
// one matched:
//  - e-mail: local part [A-Za-z0-9._%+-]+ '@' domain of dot-separated labels
//    [A-Za-z0-9-]+ whose last label (the TLD) has at least 2 letters;
//  - IPv6: a token of hex digits, ':' and '.' with at least two ':' that
//    inet_pton(AF_INET6) accepts and that has a decimal digit (so words like
//    "face::add" are left alone);
//  - IPv4: four dot-separated decimal octets 0..255, not part of a longer
//    dotted run (version numbers like 1.2.3.4.5 are left alone);
//  - phone: 9-15 digits in groups separated by ' ', '-', '.' or "( )", with a
//    leading '+' or at least one '-', '.' or parenthesis (plain space-separated
//    numbers are left alone); the first group has 1-4 digits, the others 2-8,
//    so ISBN-like "978-3-16-148410-0" is left alone. 10 digits at least
//    without a leading '+'.
// Matches must not touch letters or digits on either side. These are
// heuristics with known misses and false hits; they are not a guarantee.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace minke::data {

struct ScrubOptions {
  bool email = false, phone = false, ip = false;
  std::string email_token = "<EMAIL>", phone_token = "<PHONE>", ip_token = "<IP_ADDRESS>";
  bool any() const { return email || phone || ip; }
};

struct ScrubCounts {
  int64_t email = 0, phone = 0, ipv4 = 0, ipv6 = 0;
  int64_t total() const { return email + phone + ipv4 + ipv6; }
};

// Returns text with every enabled kind replaced; adds what it found to *counts.
std::string Scrub(std::string_view text, const ScrubOptions& opt, ScrubCounts* counts);

}  // namespace minke::data

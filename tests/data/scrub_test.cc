// Scrubbing of e-mail addresses, phone numbers and IP addresses: what is
// replaced, and look-alikes that are left alone.
#include "data/scrub.h"

#include <gtest/gtest.h>

namespace minke::data {
namespace {

std::string All(const std::string& s, ScrubCounts* c = nullptr) {
  ScrubOptions o;
  o.email = o.phone = o.ip = true;
  ScrubCounts local;
  return Scrub(s, o, c ? c : &local);
}

TEST(ScrubTest, Emails) {
  ScrubCounts c;
  EXPECT_EQ(All("mail john.doe+x@example.co.uk, or <a_b@mail-srv.example.org>.", &c), "mail <EMAIL>, or <<EMAIL>>.");
  EXPECT_EQ(c.email, 2);
  EXPECT_EQ(All("mailto:ann@example.com"), "mailto:<EMAIL>");
  // Not addresses: no TLD, numeric TLD, bare @, handles.
  for (const char* s : {"user@localhost", "a@b.c1", "@ alone", "cc @bob on it", "x@.com"}) EXPECT_EQ(All(s), s);
}

TEST(ScrubTest, IpAddresses) {
  ScrubCounts c;
  EXPECT_EQ(All("hosts 192.168.0.1 and 10.0.0.255.", &c), "hosts <IP_ADDRESS> and <IP_ADDRESS>.");
  EXPECT_EQ(c.ipv4, 2);
  EXPECT_EQ(All("v6 2001:db8::8a2e:370:7334, ::1 and fe80::1%", &c), "v6 <IP_ADDRESS>, <IP_ADDRESS> and <IP_ADDRESS>%");
  EXPECT_EQ(c.ipv6, 3);
  EXPECT_EQ(All("mapped ::ffff:192.0.2.128 ok"), "mapped <IP_ADDRESS> ok");
  // Not addresses: octet > 255, version strings, times, C++ scopes, hex words.
  for (const char* s :
       {"256.1.1.1", "version 1.2.3.4.5", "1.2.3", "at 12:30:45", "std::vector", "face::add", "Gen 1:1-3", "v1.2.3.4b"})
    EXPECT_EQ(All(s), s) << s;
}

TEST(ScrubTest, Phones) {
  ScrubCounts c;
  EXPECT_EQ(All("call (555) 123-4567 or +1 555 123 4567 or +44 20 7946 0958.", &c),
            "call <PHONE> or <PHONE> or <PHONE>.");
  EXPECT_EQ(c.phone, 3);
  EXPECT_EQ(All("fax 555.123.4567, intl +33612345678"), "fax <PHONE>, intl <PHONE>");
  // Not phones: years, dates, ISBN, plain long numbers, short numbers.
  for (const char* s : {"in 1999 2000 2001 2002", "2024-01-15", "ISBN 978-3-16-148410-0", "id 12345678901",
                        "call 555-1234", "1861-1865"})
    EXPECT_EQ(All(s), s) << s;
}

TEST(ScrubTest, OnlyEnabledKinds) {
  ScrubOptions o;
  o.email = true;
  ScrubCounts c;
  EXPECT_EQ(Scrub("a@example.com 10.0.0.1 (555) 123-4567", o, &c), "<EMAIL> 10.0.0.1 (555) 123-4567");
  o.email_token = "[email]";
  EXPECT_EQ(Scrub("a@example.com", o, &c), "[email]");
  EXPECT_EQ(Scrub("nothing here", ScrubOptions{}, &c), "nothing here");
}

}  // namespace
}  // namespace minke::data

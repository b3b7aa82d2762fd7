// properties/token_test.cpp — the replay-token codec: every schedule round-trips through its
// token, and a damaged token is rejected with a reason (never a crash, never a different
// schedule).
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include "report/token.hpp"

using weft::check::detail::decode_token;
using weft::check::detail::encode_token;
using weft::check::detail::schedule_token;

namespace {

rc::Gen<schedule_token> arbitrary_token() {
  auto choice = rc::gen::mapcat(rc::gen::inRange<std::uint32_t>(2, 300), [](std::uint32_t n) {
    return rc::gen::map(rc::gen::inRange<std::uint32_t>(0, n),
                        [n](std::uint32_t v) { return std::make_pair(n, v); });
  });
  return rc::gen::build<schedule_token>(
      rc::gen::set(&schedule_token::strat, rc::gen::inRange<std::uint8_t>(0, 4)),
      rc::gen::set(&schedule_token::flags, rc::gen::inRange<std::uint8_t>(0, 4)),
      rc::gen::set(&schedule_token::fail, rc::gen::inRange<std::uint8_t>(0, 9)),
      rc::gen::set(&schedule_token::seed, rc::gen::arbitrary<std::uint64_t>()),
      rc::gen::set(&schedule_token::execution, rc::gen::arbitrary<std::uint64_t>()),
      rc::gen::set(&schedule_token::site, rc::gen::arbitrary<std::uint32_t>()),
      rc::gen::set(&schedule_token::choices, rc::gen::container<decltype(schedule_token::choices)>(choice)));
}

bool same(const schedule_token& a, const schedule_token& b) {
  return a.strat == b.strat && a.flags == b.flags && a.fail == b.fail && a.seed == b.seed &&
         a.execution == b.execution && a.site == b.site && a.choices == b.choices;
}

RC_GTEST_PROP(Token, RoundTrips, ()) {
  schedule_token t = *arbitrary_token();
  std::string text = encode_token(t);
  RC_ASSERT(text.rfind("weft1:", 0) == 0u);
  std::string err;
  auto back = decode_token(text, &err);
  RC_ASSERT(back.has_value());
  RC_ASSERT(same(*back, t));
}

RC_GTEST_PROP(Token, DamageIsRejectedOrHarmless, ()) {
  schedule_token t = *arbitrary_token();
  std::string text = encode_token(t);
  const auto pos = *rc::gen::inRange<std::size_t>(0, text.size());
  const auto kind = *rc::gen::inRange(0, 3);
  std::string bad = text;
  if (kind == 0) {
    bad[pos] = *rc::gen::element('A', 'z', '0', '-', '_', '*', ' ');
  } else if (kind == 1) {
    bad.erase(pos, 1);
  } else {
    bad.resize(pos);
  }
  std::string err;
  auto back = decode_token(bad, &err);
  if (back) {
    // Only an edit that leaves the same bytes may decode (e.g. replacing a character by itself).
    RC_ASSERT(same(*back, t));
  } else {
    RC_ASSERT(!err.empty());
  }
}

}  // namespace

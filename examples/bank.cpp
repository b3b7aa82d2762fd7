// examples/bank.cpp — concurrent money transfers between mutex-guarded accounts.
//
// Shows: one weft::mutex per account, lock ordering by account id so opposite transfers never
// deadlock, and an auditor that locks every account (in the same order) to check, while the
// tellers are busy, that money is neither created nor destroyed. The bank is in bank.hpp, which
// tests/examples_test.cpp also runs under the schedule explorer.
//
// Usage: bank [transfers per teller] [tellers] [accounts]   (defaults: 2000, 8, 10; all cores)
#include <cstdio>
#include <cstdlib>

#include "bank.hpp"

int main(int argc, char** argv) {
  const int per_teller = argc > 1 ? std::atoi(argv[1]) : 2000;
  const int tellers = argc > 2 ? std::atoi(argv[2]) : 8;
  const int accounts = argc > 3 ? std::atoi(argv[3]) : 10;
  if (per_teller < 0 || tellers < 1 || accounts < 2) {
    std::fprintf(stderr, "usage: bank [transfers >= 0] [tellers >= 1] [accounts >= 2]\n");
    return 1;
  }

  example::bank_summary s;
  weft::run([&] { s = example::run_bank(accounts, tellers, per_teller, /*audits=*/100); });

  const bool ok = s.closing_total == s.opening_total && s.audits_balanced == s.audits &&
                  s.transfers + s.rejected == tellers * per_teller;
  std::printf("bank: %d tellers, %d accounts, %d transfer attempts each\n", tellers, accounts,
              per_teller);
  std::printf("  %d transfers done, %d refused for lack of funds\n", s.transfers, s.rejected);
  std::printf("  %d audits during the run, %d balanced\n", s.audits, s.audits_balanced);
  std::printf("  total money: %lld before, %lld after %s\n",
              static_cast<long long>(s.opening_total), static_cast<long long>(s.closing_total),
              ok ? "OK" : "WRONG");
  return ok ? 0 : 1;
}

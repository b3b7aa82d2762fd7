// examples/bank.hpp — the bank of examples/bank.cpp, callable from the program and from
// tests/examples_test.cpp.
//
// Accounts each have their own weft::mutex. A transfer locks both accounts it touches, always
// the lower account id first: with one global order no two transfers can each hold the lock the
// other needs, so opposite transfers (a -> b while b -> a) cannot deadlock. An auditor locks
// every account, again in id order, to read a consistent snapshot: money is only ever moved
// between two locked accounts, so every snapshot must add up to the initial total.
//
// Locking: account::balance is guarded by account::mu; locks are taken in increasing id order.
#pragma once

#include <cstdint>
#include <mutex>
#include <vector>

#include "weft/weft.hpp"

namespace example {

struct account {
  int id = 0;
  weft::mutex mu;
  std::int64_t balance = 0;  // guarded by mu
};

class bank {
 public:
  bank(int accounts, std::int64_t opening_balance) : accounts_(static_cast<std::size_t>(accounts)) {
    for (int i = 0; i < accounts; i++) {
      accounts_[static_cast<std::size_t>(i)].id = i;
      accounts_[static_cast<std::size_t>(i)].balance = opening_balance;
    }
  }

  int size() const { return static_cast<int>(accounts_.size()); }

  /// transfer: moves `amount` from account `from` to account `to` (from != to) if `from` has
  /// the funds; returns whether it did. Blocks while either account is locked.
  bool transfer(int from, int to, std::int64_t amount) {
    account& src = at(from);
    account& dst = at(to);
    account& first = from < to ? src : dst;  // the lock order: lower id first
    account& second = from < to ? dst : src;
    std::lock_guard<weft::mutex> l1(first.mu);
    std::lock_guard<weft::mutex> l2(second.mu);
    if (src.balance < amount) return false;
    src.balance -= amount;
    dst.balance += amount;
    return true;
  }

  /// total: the sum of all balances, read under every account's lock (taken in id order), so
  /// no transfer is half done in the snapshot.
  std::int64_t total() {
    for (account& a : accounts_) a.mu.lock();
    std::int64_t sum = 0;
    for (const account& a : accounts_) sum += a.balance;
    for (account& a : accounts_) a.mu.unlock();
    return sum;
  }

 private:
  account& at(int id) { return accounts_[static_cast<std::size_t>(id)]; }
  std::vector<account> accounts_;
};

struct bank_summary {
  std::int64_t opening_total = 0;
  std::int64_t closing_total = 0;
  int transfers = 0;     // transfers done
  int rejected = 0;      // transfers refused for lack of funds
  int audits = 0;        // snapshots taken while the tellers were busy
  int audits_balanced = 0;
};

/// run_bank: `tellers` goroutines each attempt `per_teller` transfers of random amounts between
/// random distinct accounts (each teller has its own seeded generator, so a run's transfers
/// depend only on the schedule); an auditor goroutine takes `audits` snapshots meanwhile.
inline bank_summary run_bank(int accounts, int tellers, int per_teller, int audits,
                             std::int64_t opening_balance = 100) {
  bank b(accounts, opening_balance);
  bank_summary s;
  s.opening_total = opening_balance * accounts;
  std::vector<int> done(static_cast<std::size_t>(tellers), 0);  // done[t]: teller t only
  std::vector<int> refused(static_cast<std::size_t>(tellers), 0);
  weft::wait_group wg;

  wg.add(tellers + 1);
  for (int t = 0; t < tellers; t++) {
    weft::go([&, t] {
      std::uint64_t rng = 0x9E3779B97F4A7C15ull * static_cast<std::uint64_t>(t + 1);
      auto next = [&rng](std::uint64_t bound) {  // xorshift64
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        return static_cast<int>(rng % bound);
      };
      for (int k = 0; k < per_teller; k++) {
        int from = next(static_cast<std::uint64_t>(accounts));
        int to = (from + 1 + next(static_cast<std::uint64_t>(accounts - 1))) % accounts;
        std::int64_t amount = 1 + next(static_cast<std::uint64_t>(opening_balance));
        if (b.transfer(from, to, amount)) {
          done[static_cast<std::size_t>(t)]++;
        } else {
          refused[static_cast<std::size_t>(t)]++;
        }
      }
      wg.done();
    });
  }
  weft::go([&] {  // auditor
    for (int a = 0; a < audits; a++) {
      if (b.total() == s.opening_total) s.audits_balanced++;
      s.audits++;
      weft::yield();
    }
    wg.done();
  });
  wg.wait();

  for (int t = 0; t < tellers; t++) {
    s.transfers += done[static_cast<std::size_t>(t)];
    s.rejected += refused[static_cast<std::size_t>(t)];
  }
  s.closing_total = b.total();
  return s;
}

}  // namespace example

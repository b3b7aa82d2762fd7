// tests/consumer/main.cpp — the program both consumer projects build against weft::weft: a few
// goroutines, a mutex, a wait_group and a channel; with weft::check (WEFT_CONSUMER_CHECK), also a
// small exploration. Prints the sanitizers it was compiled with, so run.sh can check that
// -DWEFT_SANITIZE travelled to the consumer through weft::weft. Built with -Wall -Wextra
// -Wpedantic -Werror: the public headers must compile cleanly in users' builds.
#include <cstdio>
#include <mutex>

#include "weft/weft.hpp"
#if WEFT_CONSUMER_CHECK
#include "weft/check/check.hpp"
#endif

#if defined(__has_feature)
#if __has_feature(thread_sanitizer) && !defined(__SANITIZE_THREAD__)
#define __SANITIZE_THREAD__ 1
#endif
#if __has_feature(address_sanitizer) && !defined(__SANITIZE_ADDRESS__)
#define __SANITIZE_ADDRESS__ 1
#endif
#endif

int main() {
  long sum = 0;
  long received = 0;
  weft::config cfg;
  cfg.procs = 2;
  weft::run([&] {
    weft::mutex mu;
    weft::wait_group wg;
    weft::chan<long> c(8);
    wg.add(100);
    for (long i = 1; i <= 100; i++) {
      weft::go([&, i] {
        {
          std::lock_guard<weft::mutex> lk(mu);
          sum += i;
        }
        c.send(i);
        wg.done();
      });
    }
    weft::go([&] {
      wg.wait();
      c.close();
    });
    for (long v : c) received += v;
  }, cfg);

  bool ok = sum == 5050 && received == 5050;

#if WEFT_CONSUMER_CHECK
  weft::check::options o;
  o.executions = 50;
  weft::check::result r = weft::check::explore([] {
    weft::wait_group wg;
    weft::chan<int> c(0);
    wg.add(2);
    weft::go([&] { c.send(1); wg.done(); });
    weft::go([&] { (void)c.recv(); wg.done(); });
    wg.wait();
  }, o);
  std::printf("consumer: weft::check explored %llu executions: %s\n",
              static_cast<unsigned long long>(r.executions), r.ok() ? "ok" : r.report().c_str());
  ok = ok && r.ok() && r.executions > 0;
#endif

  const char* san = "none";
#if defined(__SANITIZE_THREAD__)
  san = "thread";
#elif defined(__SANITIZE_ADDRESS__)
  san = "address";
#endif
  std::printf("consumer: sum %ld, received %ld, compiled with sanitizer: %s\n", sum, received, san);
  return ok ? 0 : 1;
}

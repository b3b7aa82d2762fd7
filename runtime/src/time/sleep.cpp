// runtime/src/time/sleep.cpp — weft::sleep, Go's time.Sleep on park/ready and the policy's
// timers.
//
// The sleeping goroutine's timer_node lives in sleep_for's frame, on the goroutine's own stack.
// It is armed in the park commit (unlockf), on the scheduler side after the goroutine is off its
// stack (Go's resetForSleep), so a timer that fires at once can never ready a goroutine that is
// still running. The timer callback reads the g from the node and readies it: that is its last
// touch of the node (the goroutine may return from sleep and pop the frame right after).
// Nothing can stop a sleep, so the node is never deleted from the heap; a run that ends with
// goroutines asleep abandons them with their timers (no drop hook: nothing to release).
#include "weft/detail/timer.hpp"
#include "weft/time.hpp"

namespace weft::detail {

namespace {

void wake_sleeper(timer_node* t) {
  ready(static_cast<g*>(t->arg));  // last touch of *t
}

bool arm_sleep(void* node) {
  active_policy->add_timer(static_cast<timer_node*>(node));
  return true;
}

}  // namespace

void sleep_for(duration d, const weft::source_location& where) {
  WEFT_TSAN_QUIET();
  visible(op_kind::sleep, nullptr, where, d.count());
  if (d <= duration::zero()) return;
  g* gp = current();
  if (!gp) fatal("weft::sleep called outside a goroutine");
  timer_node n;
  n.when = add_saturating(active_policy->now(), d);
  n.fire = wake_sleeper;
  n.arg = gp;
  park(wait_reason::sleep, nullptr, where, arm_sleep, &n);
}

}  // namespace weft::detail

/* fake_clock: a virtual clock for the scheduler's tests (src/sched/clock.h), as unbound's
 * testbound runs its resolver on fake_event: time starts at 0 and moves only from one armed
 * timer to the next, so a back-off of 60 ms, a rate of 10 connections/s or the stop's 2 s grace
 * are checked to the millisecond and take no real time.
 *
 * The loop itself stays real (sockets, a DNS server's answers, signals), and virtual time must
 * not run ahead of it: a probe that "takes 20 ms" must not end before the DNS answer already on
 * its way has arrived. So the clock moves only at a quiet point: the pump (a uv_check handle,
 * run after each poll, with a uv_idle handle keeping that poll from blocking while a timer is
 * armed) fires the earliest armed timer only when
 *   - the loop has nothing to do on its next turn: no other idle handle active (the resolver
 *     drains its queue from one), no real timer due (the DNS client starts queued queries
 *     from 0 ms timers), and its backend (epoll) descriptor is not readable, which also covers
 *     a signal already raised (libuv's signal pipe) and a reply already queued on any of its
 *     sockets, and
 *   - the test's busy() hook, when given, says nothing is in flight outside the loop (e.g. a
 *     DNS server thread with a query queued or being answered; on loopback an answer sent is
 *     at once in the receiving socket, so checking the server's queue, then the server's work,
 *     then the loop's descriptor leaves no gap in between).
 * The pump's handles close when no timer is armed, so the loop can end.
 *
 * Ownership: the caller's struct fake_clock outlives the loop it runs timers on. */
#ifndef MXS_FAKE_CLOCK_H
#define MXS_FAKE_CLOCK_H
#include <stdint.h>
#include <sys/queue.h>

#include "sched/clock.h"

struct fake_pump;

struct fake_clock {
    struct sched_clock iface;           /* give &iface as sched_opts.clock */
    uint64_t now;                       /* virtual milliseconds */
    TAILQ_HEAD(, sched_timer) armed;    /* by due time, then by the order they were armed */
    struct fake_pump *pump;             /* while a timer is armed */
    unsigned long fired;                /* timers fired so far */
    int (*busy)(void *arg);             /* optional: work in flight outside the loop */
    void *busy_arg;
};

void fake_clock_init(struct fake_clock *fc); /* time 0, nothing armed, no busy hook */

#endif

/* clock: the probe loop's time (now, and one-shot timers) behind a small interface, so that
 * the scheduler's tests can put a fake clock in its place, as unbound's testbound does with
 * fake_event: virtual time that moves only from one timer to the next, so a test checks the
 * back-off, the rate limit and the stop's grace to the millisecond, and at once, however long
 * they are and however busy the machine is.
 *
 * The real clock is the uv loop's: sched_clock_now is uv_now, a timer is a uv_timer_t.
 *
 * A struct sched_timer embeds its uv_timer_t whatever the clock, so its lifecycle is libuv's
 * under both: sched_timer_init makes the handle on the loop, sched_timer_close stops the timer
 * and uv_closes the handle, and memory holding a timer is freed in the close callback. A fake
 * clock only decides when the callback runs (it never arms the uv timer).
 *
 * Ownership: the clock (struct sched_clock) is the caller's and outlives every timer it
 * runs; a timer is the struct it is embedded in. */
#ifndef MXS_CLOCK_H
#define MXS_CLOCK_H
#include <stdint.h>
#include <sys/queue.h>

#include <uv.h>

struct sched_timer;
typedef void (*sched_timer_cb)(struct sched_timer *t);

/* A clock: the real one (sched_clock_real) or a test's. start arms t to call
 * sched_timer_fire(t) ms from now (0: on the loop's next turn, never from within start);
 * stop disarms it (a no-op when it is not armed). */
struct sched_clock {
    uint64_t (*now)(void *ctx, uv_loop_t *loop);
    void (*start)(void *ctx, struct sched_timer *t, uint64_t ms);
    void (*stop)(void *ctx, struct sched_timer *t);
    void *ctx;
};

extern const struct sched_clock sched_clock_real;

struct sched_timer {
    uv_timer_t uv;                    /* the handle (the real clock arms it) */
    const struct sched_clock *clock;
    sched_timer_cb cb;
    int armed;                        /* started, not yet fired or stopped */
    uint64_t due;                     /* a fake clock's: when it fires, in its time */
    TAILQ_ENTRY(sched_timer) link;    /* a fake clock's: in its list of armed timers */
};

uint64_t sched_clock_now(const struct sched_clock *c, uv_loop_t *loop);
void sched_timer_init(uv_loop_t *loop, const struct sched_clock *c, struct sched_timer *t);
void sched_timer_start(struct sched_timer *t, sched_timer_cb cb, uint64_t ms); /* re-arms */
void sched_timer_stop(struct sched_timer *t);
int sched_timer_active(const struct sched_timer *t);
/* Stops t and closes its handle; cb (may be NULL) runs once libuv has let go of it. */
void sched_timer_close(struct sched_timer *t, uv_close_cb cb);
/* For clocks: t is due. Disarms it and runs its callback. */
void sched_timer_fire(struct sched_timer *t);

#endif

/* clock: the real clock (the uv loop's), and the timer calls every clock shares (clock.h). */
#include "clock.h"

#include <stddef.h>

#include "core/util.h"

static uint64_t real_now(void *ctx, uv_loop_t *loop)
{
    (void)ctx;
    return uv_now(loop);
}

static void real_fire(uv_timer_t *h)
{
    sched_timer_fire(container_of(h, struct sched_timer, uv));
}

static void real_start(void *ctx, struct sched_timer *t, uint64_t ms)
{
    (void)ctx;
    uv_timer_start(&t->uv, real_fire, ms, 0);
}

static void real_stop(void *ctx, struct sched_timer *t)
{
    (void)ctx;
    uv_timer_stop(&t->uv);
}

const struct sched_clock sched_clock_real = {.now = real_now, .start = real_start,
                                             .stop = real_stop};

uint64_t sched_clock_now(const struct sched_clock *c, uv_loop_t *loop)
{
    return c->now(c->ctx, loop);
}

void sched_timer_init(uv_loop_t *loop, const struct sched_clock *c, struct sched_timer *t)
{
    uv_timer_init(loop, &t->uv);
    t->clock = c;
    t->cb = NULL;
    t->armed = 0;
    t->due = 0;
}

void sched_timer_start(struct sched_timer *t, sched_timer_cb cb, uint64_t ms)
{
    sched_timer_stop(t);
    t->cb = cb;
    t->armed = 1;
    t->clock->start(t->clock->ctx, t, ms);
}

void sched_timer_stop(struct sched_timer *t)
{
    if (!t->armed)
        return;
    t->armed = 0;
    t->clock->stop(t->clock->ctx, t);
}

int sched_timer_active(const struct sched_timer *t)
{
    return t->armed;
}

void sched_timer_close(struct sched_timer *t, uv_close_cb cb)
{
    sched_timer_stop(t);
    uv_close((uv_handle_t *)&t->uv, cb);
}

void sched_timer_fire(struct sched_timer *t)
{
    t->armed = 0;
    t->cb(t);
}

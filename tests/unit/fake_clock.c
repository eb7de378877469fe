/* fake_clock: virtual time for the scheduler's tests (fake_clock.h). */
#include "fake_clock.h"

#include <poll.h>
#include <stdlib.h>

#include "core/util.h"

struct fake_pump {
    uv_idle_t idle;   /* keeps the loop's poll from blocking */
    uv_check_t check; /* after each poll: fire the next timer at a quiet point */
    struct fake_clock *fc;
    int open;         /* handles not yet closed */
    int pending;      /* walk_pending's answer */
};

static uint64_t fake_now(void *ctx, uv_loop_t *loop)
{
    (void)loop;
    return ((struct fake_clock *)ctx)->now;
}

static void pump_closed(uv_handle_t *h)
{
    struct fake_pump *p = h->data;
    if (--p->open == 0)
        free(p);
}

static void idle_spin(uv_idle_t *h)
{
    (void)h;
}

/* Work the loop will do on its next turn whatever happens: another idle handle (the resolver
 * drains its queue from one), a real timer already due (the DNS client starts queued queries
 * from 0 ms timers). */
static void walk_pending(uv_handle_t *h, void *arg)
{
    struct fake_pump *p = arg;
    if (!uv_is_active(h) || uv_is_closing(h))
        return;
    if ((h->type == UV_IDLE && h != (uv_handle_t *)&p->idle) ||
        (h->type == UV_TIMER && uv_timer_get_due_in((uv_timer_t *)h) == 0))
        p->pending = 1;
}

/* Nothing ready on the loop and nothing in flight outside it (fake_clock.h: the order of the
 * checks matters: outside first, the loop's descriptor last). */
static int quiet(struct fake_pump *p, uv_loop_t *loop)
{
    struct fake_clock *fc = p->fc;
    if (fc->busy && fc->busy(fc->busy_arg))
        return 0;
    p->pending = 0;
    uv_walk(loop, walk_pending, p);
    if (p->pending)
        return 0;
    struct pollfd pfd = {.fd = uv_backend_fd(loop), .events = POLLIN};
    return poll(&pfd, 1, 0) == 0;
}

static void pump_check(uv_check_t *h)
{
    struct fake_pump *p = h->data;
    struct fake_clock *fc = p->fc;
    struct sched_timer *t = TAILQ_FIRST(&fc->armed);
    if (!t) { /* nothing to run: let the loop end */
        fc->pump = NULL;
        uv_close((uv_handle_t *)&p->idle, pump_closed);
        uv_close((uv_handle_t *)&p->check, pump_closed);
        return;
    }
    if (!quiet(p, h->loop))
        return;
    TAILQ_REMOVE(&fc->armed, t, link);
    if (t->due > fc->now)
        fc->now = t->due;
    fc->fired++;
    sched_timer_fire(t);
}

static void fake_start(void *ctx, struct sched_timer *t, uint64_t ms)
{
    struct fake_clock *fc = ctx;
    t->due = fc->now + ms;
    struct sched_timer *at;
    TAILQ_FOREACH(at, &fc->armed, link)
        if (at->due > t->due)
            break;
    if (at)
        TAILQ_INSERT_BEFORE(at, t, link);
    else
        TAILQ_INSERT_TAIL(&fc->armed, t, link);
    if (!fc->pump) {
        struct fake_pump *p = xcalloc(1, sizeof(*p));
        p->fc = fc;
        p->open = 2;
        uv_idle_init(t->uv.loop, &p->idle);
        uv_check_init(t->uv.loop, &p->check);
        p->idle.data = p->check.data = p;
        uv_idle_start(&p->idle, idle_spin);
        uv_check_start(&p->check, pump_check);
        fc->pump = p;
    }
}

static void fake_stop(void *ctx, struct sched_timer *t)
{
    TAILQ_REMOVE(&((struct fake_clock *)ctx)->armed, t, link);
}

void fake_clock_init(struct fake_clock *fc)
{
    fc->iface = (struct sched_clock){.now = fake_now, .start = fake_start, .stop = fake_stop,
                                     .ctx = fc};
    fc->now = 0;
    TAILQ_INIT(&fc->armed);
    fc->pump = NULL;
    fc->fired = 0;
    fc->busy = NULL;
    fc->busy_arg = NULL;
}

/* progress: the run's figures at one moment (a snapshot the scheduler fills) and the one line
 * that shows them, apart (as zmap's monitor.c): the scheduler never formats, the renderer
 * never reaches into the scheduler. */
#ifndef MXS_PROGRESS_H
#define MXS_PROGRESS_H
#include <stdint.h>
#include <stdio.h>

struct progress_stats {
    uint64_t elapsed_ms;        /* since the loop started */
    unsigned long domains_done; /* records in domains.jsonl (with --resume, the folder's too) */
    unsigned long total_lines;  /* records the list will have; 0 when unknown (stdin) */
    unsigned long endpoints;    /* distinct endpoints met */
    int in_flight;              /* probes on the wire */
};

/* Draws the line for st on f (a terminal: "\r", erase line), ending it with "\n" when final.
 * Rate and ETA from domains_done over elapsed_ms. */
void progress_render(FILE *f, const struct progress_stats *st, int final);

#endif

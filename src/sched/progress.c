/* progress: the progress line (progress.h). */
#include "progress.h"

void progress_render(FILE *f, const struct progress_stats *st, int final)
{
    double secs = (double)st->elapsed_ms / 1000.0;
    double rate = secs > 0 ? (double)st->domains_done / secs : 0;
    char eta[32] = "?";
    if (st->total_lines && rate > 0) {
        double left = ((double)st->total_lines - (double)st->domains_done) / rate;
        snprintf(eta, sizeof(eta), "%dm%02ds", (int)left / 60, (int)left % 60);
    }
    char total[32] = "?";
    if (st->total_lines)
        snprintf(total, sizeof(total), "%lu", st->total_lines);
    fprintf(f, "\r\033[Kmxsurvey: domains %lu/%s, endpoints %lu (%d in flight), %.0f domains/s, ETA %s%s",
            st->domains_done, total, st->endpoints, st->in_flight, rate, eta, final ? "\n" : "");
}

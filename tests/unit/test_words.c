/* Tests of core/words.c: an enum's member read back from its word. */
#include "test.h"
#include "classify/dane.h"
#include "classify/match.h"
#include "core/words.h"
#include "probe/result.h"

#include <stddef.h>

/* A vocabulary with what the real ones have: a member written as null, and one word that two
 * members share (the first is the one read back). */
enum colour { C_NONE, C_RED, C_GREEN, C_CRIMSON, C_BLUE };
static const char *colour_str(enum colour c)
{
    static const char *const words[] = {[C_NONE] = NULL, [C_RED] = "red", [C_GREEN] = "green",
                                        [C_CRIMSON] = "red", [C_BLUE] = "blue"};
    return words[c];
}
WORDS_OF(w_colour, colour_str, enum colour)
WORDS_OF(w_match, match_result_str, enum match_result)
WORDS_OF(w_status, probe_status_str, enum probe_status)
WORDS_OF(w_dane, dane_verdict_str, enum dane_verdict)

TEST(words_index_rules)
{
    CHECK_INT(word_index(w_colour, C_BLUE + 1, "green"), C_GREEN);
    CHECK_INT(word_index(w_colour, C_BLUE + 1, "blue"), C_BLUE);
    CHECK_INT(word_index(w_colour, C_BLUE + 1, "red"), C_RED); /* the first of two */
    CHECK_INT(word_index(w_colour, C_BLUE + 1, NULL), C_NONE); /* null: the member without */
    CHECK_INT(word_index(w_colour, C_BLUE + 1, "Red"), -1);    /* byte for byte */
    CHECK_INT(word_index(w_colour, C_BLUE + 1, "re"), -1);
    CHECK_INT(word_index(w_colour, C_BLUE + 1, ""), -1);
    CHECK_INT(word_index(w_colour, C_BLUE, "blue"), -1); /* n members only */
    CHECK_INT(word_index(w_colour, 0, NULL), -1);
}

/* The vocabularies the readers look up (sched_resume.c, sum_policy.c): every member's word
 * reads back as that member, and the words a *_str function gives out of range do not. */
TEST(words_index_real_vocabularies)
{
    for (int m = MATCH_NULL; m <= MATCH_EXACT; m++)
        CHECK_INT(word_index(w_match, MATCH_EXACT + 1, match_result_str((enum match_result)m)), m);
    for (int s = PROBE_OK; s <= PROBE_CERT_SEEN; s++)
        CHECK_INT(word_index(w_status, PROBE_CERT_SEEN + 1, probe_status_str((enum probe_status)s)),
                  s);
    CHECK_INT(word_index(w_status, PROBE_CERT_SEEN + 1, NULL), -1); /* no member is null */
    CHECK_INT(word_index(w_status, PROBE_CERT_SEEN + 1, "unknown"), -1);
    for (int d = DANE_NONE; d <= DANE_FAIL; d++)
        CHECK_INT(word_index(w_dane, DANE_FAIL + 1, dane_verdict_str((enum dane_verdict)d)), d);
}

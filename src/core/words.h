/* words: an enum's member read back from the word its module writes for it (its *_str
 * function: the one table of its words, docs/architecture.md "Vocabulary"). Every reader of
 * the files mxsurvey writes (targets.jsonl, hosts.jsonl on --resume and merge, the summary's
 * verdicts) asks here rather than walking a *_str function of its own. Pure, no state.
 *
 * A *_str function takes its own enum type, and calling it through a pointer of another type
 * is undefined (UBSan's -fsanitize=function flags it): a reader wraps it once, over an int,
 * with WORDS_OF. */
#ifndef MXS_WORDS_H
#define MXS_WORDS_H

/* An enum's word function over an int: the word of member i, or NULL (a member written as
 * JSON null: DNSSEC_UNKNOWN, MATCH_NULL, MTASTS_MODE_UNSET, ...). */
typedef const char *(*word_fn)(int i);

/* Defines `static const char *name(int i)`, the word function fn (which takes enum type)
 * over an int. */
#define WORDS_OF(name, fn, type)                                                             \
    static const char *name(int i)                                                           \
    {                                                                                        \
        return fn((type)i);                                                                  \
    }

/* The first member i of 0..n-1 whose word str(i) is word (byte for byte); with word NULL,
 * the first whose word is NULL. -1 when none is (an unknown word, or NULL and no member is
 * written as null). */
int word_index(word_fn str, int n, const char *word);

#endif

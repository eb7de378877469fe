/* words: see words.h. */
#include "words.h"

#include <string.h>

int word_index(word_fn str, int n, const char *word)
{
    for (int i = 0; i < n; i++) {
        const char *w = str(i);
        if (word ? w && strcmp(w, word) == 0 : !w)
            return i;
    }
    return -1;
}

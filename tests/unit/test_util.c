#include "test.h"
#include "core/util.h"

#include <stdlib.h>

TEST(util_strings)
{
    char *s = xstrdup("MX1.Example.COM.");
    str_ascii_lower(s);
    CHECK_STR(s, "mx1.example.com.");
    free(s);
    s = xstrndup("abcdef", 3);
    CHECK_STR(s, "abc");
    CHECK(str_starts_with("220 mx ESMTP", "220 "));
    CHECK(!str_starts_with("22", "220"));
    free(s);
}

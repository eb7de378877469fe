/* libFuzzer harness for the escaping of attacker text into CSV and SVG (src/report/csvw.c,
 * src/report/svg.c): the input's lines are cell texts and chart labels (any octets).
 *   CSV: a row of those cells, read back by a small RFC 4180 reader, has as many cells as
 *   were written, each equal to text_visible() of its text (with the "'" of a neutralised
 *   formula in front when csv_formula_risk says so), one line ending in CRLF, no raw control
 *   character; csv_write_cell writes the same cell. (tests/integration/test_csv.py reads real
 *   files back with Python's csv module.)
 *   SVG: svg_escape of each text holds no markup character, no control character but TAB, LF
 *   and CR, is valid UTF-8; svg_escape_short keeps to its length; a bar chart, a stacked chart
 *   and a line chart labelled with the texts are well formed (markup.h), inline and
 *   standalone.
 * Seeds: tests/fuzz/corpus/escape/ (provider and certificate names, banners with ESC[31m,
 * C1 CSI, formula cells, quotes, invalid UTF-8). */
#define _GNU_SOURCE
#include "fuzz.h"

#include <math.h>

#include "report/csvw.h"
#include "markup.h"
#include "report/svg.h"
#include "core/text.h"

#define MAX_FIELDS 8

/* Reads one RFC 4180 cell at s[*i..n); returns it (newly allocated) and moves *i past it and
 * its separator. *end set at the row's CRLF. */
static char *csv_read_cell(const char *s, size_t n, size_t *i, int *end)
{
    char *out = malloc(n + 1);
    size_t o = 0, k = *i;
    if (k < n && s[k] == '"') {
        k++;
        for (;;) {
            REQUIRE(k < n);
            if (s[k] == '"') {
                if (k + 1 < n && s[k + 1] == '"') {
                    out[o++] = '"';
                    k += 2;
                    continue;
                }
                k++;
                break;
            }
            out[o++] = s[k++];
        }
    } else {
        while (k < n && s[k] != ',' && s[k] != '\r') {
            REQUIRE(s[k] != '"' && s[k] != '\n');
            out[o++] = s[k++];
        }
    }
    out[o] = '\0';
    REQUIRE(k < n);
    if (s[k] == ',') {
        *end = 0;
        k++;
    } else {
        REQUIRE(k + 2 == n && s[k] == '\r' && s[k + 1] == '\n');
        *end = 1;
        k += 2;
    }
    *i = k;
    return out;
}

static void check_csv(char **f, size_t nf)
{
    struct csv_row r;
    csv_row_init(&r);
    for (size_t i = 0; i < nf; i++)
        csv_text(&r, f[i], strlen(f[i]));
    csv_int(&r, -12);
    csv_empty(&r);
    size_t n;
    const char *row = csv_row_end(&r, &n);
    /* no control character but the final CRLF */
    REQUIRE(n >= 2 && row[n - 2] == '\r' && row[n - 1] == '\n');
    for (size_t i = 0; i < n - 2;) {
        uint32_t cp;
        size_t l = text_utf8_char((const unsigned char *)row + i, n - 2 - i, &cp);
        REQUIRE(l > 0 && !text_is_control(cp));
        i += l;
    }
    size_t at = 0;
    int end = 0;
    for (size_t i = 0; i < nf; i++) {
        REQUIRE(!end);
        char *cell = csv_read_cell(row, n, &at, &end);
        char *vis = text_visible(f[i], strlen(f[i]));
        int risk = csv_formula_risk(vis, strlen(vis));
        REQUIRE(risk ? cell[0] == '\'' && strcmp(cell + 1, vis) == 0 : strcmp(cell, vis) == 0);
        /* the one-cell writer agrees */
        char *buf = NULL;
        size_t blen = 0;
        FILE *m = open_memstream(&buf, &blen);
        csv_write_cell(m, f[i]);
        fclose(m);
        struct csv_row one;
        csv_row_init(&one);
        csv_str(&one, f[i]);
        size_t onelen;
        const char *oner = csv_row_end(&one, &onelen);
        REQUIRE(blen + 2 == onelen && memcmp(buf, oner, blen) == 0);
        csv_row_free(&one);
        free(buf);
        free(vis);
        free(cell);
    }
    char *num = csv_read_cell(row, n, &at, &end);
    REQUIRE(strcmp(num, "-12") == 0 && !end); /* numbers are never neutralised */
    free(num);
    char *empty = csv_read_cell(row, n, &at, &end);
    REQUIRE(*empty == '\0' && end && at == n);
    free(empty);
    csv_row_free(&r);
}

static void check_markup(const char *what, char *buf, size_t len)
{
    size_t bad = markup_check(buf, len);
    if (bad) {
        fprintf(stderr, "fuzz_escape: %s not well formed at %zu: %.60s\n", what, bad - 1,
                buf + (bad - 1 > 20 ? bad - 21 : 0));
        abort();
    }
}

static void check_svg(char **f, size_t nf)
{
    for (size_t i = 0; i < nf; i++) {
        char *buf = NULL;
        size_t len = 0;
        FILE *m = open_memstream(&buf, &len);
        svg_escape(m, f[i]);
        fclose(m);
        REQUIRE(!memchr(buf, '<', len) && !memchr(buf, '>', len) && !memchr(buf, '"', len) &&
                !memchr(buf, '\'', len));
        check_markup("svg_escape", buf, len);
        for (size_t k = 0; k + 2 < len; k++) /* U+FFFE and U+FFFF never written */
            REQUIRE(!((unsigned char)buf[k] == 0xef && (unsigned char)buf[k + 1] == 0xbf &&
                      ((unsigned char)buf[k + 2] == 0xbe || (unsigned char)buf[k + 2] == 0xbf)));
        free(buf);
        m = open_memstream(&buf, &len);
        size_t max = 2 + i * 7;
        int cut = svg_escape_short(m, f[i], max);
        fclose(m);
        REQUIRE(cut == (svg_text_chars(f[i]) > max));
        check_markup("svg_escape_short", buf, len);
        free(buf);
    }
    struct svg_bar bars[MAX_FIELDS];
    long long values[MAX_FIELDS];
    struct svg_category cats[MAX_FIELDS];
    struct svg_stack_row rows[MAX_FIELDS];
    struct svg_series series[MAX_FIELDS];
    double ys[MAX_FIELDS];
    for (size_t i = 0; i < nf; i++) {
        values[i] = (long long)(strlen(f[i]) * 37 % 101);
        bars[i] = (struct svg_bar){f[i], values[i], (int)i};
        cats[i] = (struct svg_category){f[i], (int)i};
        rows[i] = (struct svg_stack_row){f[i], values};
        ys[i] = i % 3 == 2 ? NAN : (double)values[i] / 100.0;
    }
    for (size_t i = 0; i < nf; i++)
        series[i] = (struct svg_series){f[i], ys, (int)i};
    for (unsigned flags = 0; flags < 4; flags++) {
        char *buf = NULL;
        size_t len = 0;
        FILE *m = open_memstream(&buf, &len);
        const char *title = nf ? f[0] : "t";
        svg_bar_chart(m, title, bars, nf, flags & 1 ? 0 : 1000, flags);
        svg_stacked_chart(m, title, cats, nf, rows, nf, flags);
        svg_line_chart(m, title, (const char *const *)f, nf, series, nf, flags);
        fclose(m);
        /* a standalone document per chart; check each piece after its declaration */
        check_markup("charts", buf, len);
        free(buf);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 8192)
        return 0;
    char *f[MAX_FIELDS];
    size_t nf = fuzz_fields(data, size, f, MAX_FIELDS);
    check_csv(f, nf);
    check_svg(f, nf);
    for (size_t i = 0; i < nf; i++)
        free(f[i]);
    return 0;
}

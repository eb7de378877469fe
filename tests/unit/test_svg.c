/* svg: escaping (hostile and invalid text), shortening, number formatting, and the three
 * charts drawn into memory: labels escaped, values printed, elements balanced. */
#include <limits.h>
#include <math.h>
#include <stdlib.h>

#include "report/svg.h"
#include "test.h"

/* What svg_escape writes for s (caller frees). */
static char *escaped(const char *s)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    svg_escape(f, s);
    fclose(f);
    return buf;
}

static char *escaped_short(const char *s, size_t max, int *cut)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    *cut = svg_escape_short(f, s, max);
    fclose(f);
    return buf;
}

#define CHECK_ESC(in, out)            \
    do {                              \
        char *e_ = escaped(in);       \
        CHECK_STR(e_, out);           \
        free(e_);                     \
    } while (0)

/* Occurrences of needle in hay. */
static int count_of(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

TEST(svg_escape_markup)
{
    CHECK_ESC("plain.example", "plain.example");
    CHECK_ESC("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;");
    CHECK_ESC("a&b \"q\" 'x'", "a&amp;b &quot;q&quot; &#39;x&#39;");
    CHECK_ESC("&amp;", "&amp;amp;");
    CHECK_ESC("\"><img src=x onerror=alert(2)>", "&quot;&gt;&lt;img src=x onerror=alert(2)&gt;");
    CHECK_ESC("", "");
    char *e = escaped(NULL);
    CHECK_STR(e, "");
    free(e);
}

TEST(svg_escape_invalid_text)
{
    /* Tab, LF, CR stay; other controls, DEL and C1 controls become U+FFFD. */
    CHECK_ESC("a\tb\nc\rd", "a\tb\nc\rd");
    CHECK_ESC("a\x01" "b\x1b" "c\x7f" "d", "a&#xfffd;b&#xfffd;c&#xfffd;d");
    CHECK_ESC("\xc2\x85", "&#xfffd;");
    /* Valid UTF-8 passes: e-acute, euro sign, an emoji. */
    CHECK_ESC("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
    /* Invalid: a stray continuation, a bad lead, overlong, surrogate, truncated, above
     * U+10FFFF, and the non-characters U+FFFE/U+FFFF. */
    CHECK_ESC("a\x80z", "a&#xfffd;z");
    CHECK_ESC("\xff", "&#xfffd;");
    CHECK_ESC("\xc0\xaf", "&#xfffd;&#xfffd;");
    CHECK_ESC("\xed\xa0\x80", "&#xfffd;&#xfffd;&#xfffd;");
    CHECK_ESC("x\xe2\x82", "x&#xfffd;&#xfffd;");
    CHECK_ESC("\xf4\x90\x80\x80", "&#xfffd;&#xfffd;&#xfffd;&#xfffd;");
    CHECK_ESC("\xef\xbf\xbe\xef\xbf\xbf", "&#xfffd;&#xfffd;");
    /* A certificate name as the scan writes it (octets as \xHH text) is ordinary text. */
    CHECK_ESC("mx\\x00.example", "mx\\x00.example");
}

TEST(svg_escape_short_and_count)
{
    int cut;
    char *e = escaped_short("abcdef", 4, &cut);
    CHECK_STR(e, "abc&#x2026;");
    CHECK_INT(cut, 1);
    free(e);
    e = escaped_short("abcd", 4, &cut);
    CHECK_STR(e, "abcd");
    CHECK_INT(cut, 0);
    free(e);
    /* Cut at a character boundary, never inside a UTF-8 sequence or an entity. */
    e = escaped_short("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 3, &cut);
    CHECK_STR(e, "\xc3\xa9\xc3\xa9&#x2026;");
    free(e);
    e = escaped_short("<<<<<", 3, &cut);
    CHECK_STR(e, "&lt;&lt;&#x2026;");
    free(e);
    CHECK_INT(svg_text_chars("abc"), 3);
    CHECK_INT(svg_text_chars("\xc3\xa9t\xc3\xa9"), 3);
    CHECK_INT(svg_text_chars("\xff\xfe"), 2);
    CHECK_INT(svg_text_chars(""), 0);
}

TEST(svg_number_formatting)
{
    char b[64];
    CHECK_STR(svg_format_count(b, sizeof(b), 0), "0");
    CHECK_STR(svg_format_count(b, sizeof(b), 999), "999");
    CHECK_STR(svg_format_count(b, sizeof(b), 1000), "1,000");
    CHECK_STR(svg_format_count(b, sizeof(b), 1234567), "1,234,567");
    CHECK_STR(svg_format_count(b, sizeof(b), -1234), "-1,234");
    CHECK_STR(svg_format_count(b, sizeof(b), LLONG_MIN), "-9,223,372,036,854,775,808");
    CHECK_STR(svg_format_count(b, 4, 1234567), "1,2"); /* truncated, terminated */

    CHECK_STR(svg_format_percent(b, sizeof(b), 0), "0.0%");
    CHECK_STR(svg_format_percent(b, sizeof(b), 1), "100.0%");
    CHECK_STR(svg_format_percent(b, sizeof(b), 0.542857142857143), "54.3%");
    CHECK_STR(svg_format_percent(b, sizeof(b), 0.74468085106383), "74.5%");
    CHECK_STR(svg_format_percent(b, sizeof(b), 0.0006), "0.1%");
    CHECK_STR(svg_format_percent(b, sizeof(b), 0.9994), "99.9%");
    /* Never a misleading 0.0% or 100.0%. */
    CHECK_STR(svg_format_percent(b, sizeof(b), 0.0004), "<0.1%");
    CHECK_STR(svg_format_percent(b, sizeof(b), 1e-9), "<0.1%");
    CHECK_STR(svg_format_percent(b, sizeof(b), 0.9996), ">99.9%");
    CHECK_STR(svg_format_percent(b, sizeof(b), 0.999999), ">99.9%");
    CHECK_STR(svg_format_percent(b, sizeof(b), NAN), "n/a");
}

TEST(svg_palette)
{
    CHECK_STR(svg_color(0), "#009e73");
    CHECK_STR(svg_color(SVG_PALETTE_SIZE), svg_color(0));
    CHECK_STR(svg_color(-3), svg_color(0));
    for (int i = 0; i < SVG_PALETTE_SIZE; i++)
        CHECK_INT(strlen(svg_color(i)), 7);
}

TEST(svg_bar_chart_hostile_labels)
{
    const char *evil = "<script>alert(1)</script>";
    struct svg_bar bars[] = {
        {.label = "mx-exact", .value = 18, .color = 0},
        {.label = evil, .value = 1234, .color = 1},
        {.label = "zero", .value = 0, .color = 2},
    };
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    svg_bar_chart(f, "Title & <more>", bars, 3, 2000, 0);
    fclose(f);
    CHECK(strstr(buf, "<script") == NULL);
    CHECK(strstr(buf, "&lt;script&gt;alert(1)&lt;/script&gt;") != NULL);
    CHECK(strstr(buf, "aria-label=\"Title &amp; &lt;more&gt;\"") != NULL);
    CHECK(strstr(buf, ">18 (0.9%)<") != NULL);
    CHECK(strstr(buf, ">1,234 (61.7%)<") != NULL);
    CHECK(strstr(buf, ">0 (0.0%)<") != NULL);
    CHECK(strstr(buf, "xmlns") == NULL); /* inline: no namespace URL */
    CHECK_INT(count_of(buf, "<g>"), 3);
    CHECK_INT(count_of(buf, "</g>"), 3);
    CHECK_INT(count_of(buf, "<svg"), 1);
    CHECK_INT(count_of(buf, "</svg>"), 1);
    free(buf);

    /* Without a total: counts only; an empty chart is still a whole element. */
    buf = NULL;
    f = open_memstream(&buf, &len);
    svg_bar_chart(f, "t", bars, 1, 0, SVG_STANDALONE | SVG_SHOW_TITLE);
    svg_bar_chart(f, "t", bars, 0, 0, 0);
    fclose(f);
    CHECK(strstr(buf, ">18<") != NULL);
    CHECK(strstr(buf, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"") == buf);
    CHECK_INT(count_of(buf, "</svg>"), 2);
    free(buf);
}

TEST(svg_stacked_chart_rows)
{
    const struct svg_category cats[] = {
        {.name = "mx-exact", .color = 0}, {.name = "<b>other</b>", .color = 1}};
    const long long v1[] = {5, 2}, v2[] = {0, 0}, v3[] = {0, 1};
    const struct svg_stack_row rows[] = {
        {.label = "exact.example", .values = v1},
        {.label = "<script>alert(1)</script>", .values = v2},
        {.label = "a-provider-name-much-longer-than-the-drawing-allows.example", .values = v3},
    };
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    svg_stacked_chart(f, "Providers", cats, 2, rows, 3, 0);
    fclose(f);
    CHECK(strstr(buf, "<script") == NULL && strstr(buf, "<b>") == NULL);
    CHECK(strstr(buf, "&lt;b&gt;other&lt;/b&gt;") != NULL);
    CHECK(strstr(buf, "exact.example \xe2\x80\x94 mx-exact: 5 (71.4%)") != NULL);
    /* The long label is shortened in the drawing, whole in the tooltip. */
    CHECK(strstr(buf, "a-provider-name-much-longer-tha&#x2026;") != NULL);
    CHECK(strstr(buf, "<title>a-provider-name-much-longer-than-the-drawing-allows.example") != NULL);
    /* Segments only for non-zero values: 2 + 0 + 1. */
    CHECK_INT(count_of(buf, "stroke=\"#fff\" stroke-width=\"1\"/>"), 3);
    CHECK_INT(count_of(buf, "<g>"), count_of(buf, "</g>"));
    free(buf);
}

TEST(svg_line_chart_gaps)
{
    const char *x[] = {"2026-01-01 00:00", "<x>", "2026-03-01 00:00"};
    const double a[] = {0.5, NAN, 0.25}, b[] = {NAN, NAN, NAN};
    const struct svg_series s[] = {
        {.name = "strict", .y = a, .color = 0},
        {.name = "empty & <odd>", .y = b, .color = 1},
    };
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    svg_line_chart(f, "Shares", x, 3, s, 2, SVG_STANDALONE | SVG_SHOW_TITLE);
    fclose(f);
    CHECK(strstr(buf, "<x>") == NULL && strstr(buf, "&lt;x&gt;") != NULL);
    CHECK(strstr(buf, "empty &amp; &lt;odd&gt;") != NULL);
    /* Series a: two points apart (the gap), so its path has two moves and no line; series
     * b has no point, so no path. */
    const char *lead = "<path fill=\"none\" stroke-width=\"2\" d=\"";
    const char *path = strstr(buf, lead);
    CHECK(path != NULL);
    if (path) {
        path += strlen(lead);
        size_t plen = strcspn(path, "\"");
        int moves = 0, lines = 0;
        for (size_t i = 0; i < plen; i++) {
            moves += path[i] == 'M';
            lines += path[i] == 'L';
        }
        CHECK_INT(moves, 2);
        CHECK_INT(lines, 0);
    }
    CHECK_INT(count_of(buf, lead), 1);
    CHECK(strstr(buf, "strict <tspan font-weight=\"bold\">25.0%</tspan>") != NULL);
    CHECK(strstr(buf, "<tspan font-weight=\"bold\">n/a</tspan>") != NULL);
    CHECK(strstr(buf, "strict, 2026-01-01 00:00: 50.0%") != NULL);
    CHECK_INT(count_of(buf, "<g>"), count_of(buf, "</g>"));
    free(buf);

    buf = NULL;
    f = open_memstream(&buf, &len);
    svg_line_chart(f, "none", NULL, 0, s, 0, 0);
    fclose(f);
    CHECK(strstr(buf, "no runs") != NULL);
    free(buf);
}

/* A share below 0.05% reads "<0.1%": that '<' is markup in every chart (and makes a
 * standalone SVG such as trend.svg ill-formed XML) unless it is written "&lt;". */
TEST(svg_tiny_share_escaped)
{
    struct svg_bar bars[] = {{.label = "rare", .value = 1, .color = 0}};
    const struct svg_category cats[] = {{.name = "a", .color = 0}, {.name = "b", .color = 1}};
    const long long v[] = {1, 9999};
    const struct svg_stack_row rows[] = {{.label = "p.example", .values = v}};
    const char *x[] = {"2026-01-01 00:00"};
    const double y[] = {0.0001};
    const struct svg_series s[] = {{.name = "strict", .y = y, .color = 0}};
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    svg_bar_chart(f, "t", bars, 1, 10000, 0);
    svg_stacked_chart(f, "t", cats, 2, rows, 1, 0);
    svg_line_chart(f, "t", x, 1, s, 1, SVG_STANDALONE | SVG_SHOW_TITLE);
    fclose(f);
    CHECK(strstr(buf, "<0.1%") == NULL);
    CHECK(strstr(buf, ">1 (&lt;0.1%)<") != NULL);                  /* bar chart */
    CHECK(strstr(buf, "a: 1 (&lt;0.1%)</title>") != NULL);         /* stacked chart */
    CHECK(strstr(buf, "2026-01-01 00:00: &lt;0.1%</title>") != NULL); /* line chart */
    CHECK(strstr(buf, "<tspan font-weight=\"bold\">&lt;0.1%</tspan>") != NULL);
    free(buf);
}

/* The widths of the stacked segments (rects with a white stroke), in order, into w. */
static size_t segment_widths(const char *buf, double *w, size_t max)
{
    size_t n = 0;
    for (const char *p = buf; n < max && (p = strstr(p, "<rect x=")); p++) {
        const char *end = strstr(p, "/>"), *ws = strstr(p, " width=\"");
        if (!end || !ws || ws > end || !strstr(p, "stroke=\"#fff\"") ||
            strstr(p, "stroke=\"#fff\"") > end)
            continue;
        w[n++] = strtod(ws + 8, NULL);
    }
    return n;
}

TEST(svg_stacked_chart_shared_axis)
{
    const struct svg_category cats[] = {{.name = "a", .color = 0}, {.name = "b", .color = 1}};
    const long long v1[] = {3, 2}, v2[] = {1, 0};
    const struct svg_stack_row rows[] = {{.label = "five.example", .values = v1},
                                         {.label = "one.example", .values = v2}};
    for (int shared = 0; shared < 2; shared++) {
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        svg_stacked_chart(f, "Providers", cats, 2, rows, 2, shared ? SVG_SHARED_AXIS : 0);
        fclose(f);
        double w[4];
        CHECK_INT(segment_widths(buf, w, 4), 3);
        double five = w[0] + w[1], one = w[2];
        /* each row's mix spans the plot; on one axis, the 1-domain row is a fifth as long */
        if (shared)
            CHECK(fabs(five - 5 * one) < 0.5);
        else
            CHECK(fabs(five - one) < 0.5);
        CHECK(fabs(w[0] / w[1] - 1.5) < 0.01); /* the mix within a row stays */
        free(buf);
    }
}

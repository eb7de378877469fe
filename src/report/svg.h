/* svg: charts drawn as SVG text by the program itself: a horizontal bar chart (label ->
 * count), stacked horizontal bars (a row per item, a segment per category, with a legend) and
 * a line chart (shares of several series over a run axis). Each function writes one <svg>
 * element to a FILE (open_memstream() gives a growable buffer) and touches nothing else.
 *
 * Every label is data, often attacker-controlled (provider names come from MX host names,
 * certificate names from certificates): it is written only through svg_escape(), which makes
 * it safe as XML/HTML text and as a quoted attribute value. Long labels are shortened for the
 * drawing (the whole label stays in a <title> tooltip).
 *
 * The colours come from one fixed palette (Okabe-Ito, told apart by most colour-blind readers)
 * and never carry meaning alone: every bar has its value printed beside it, every stacked
 * segment wide enough its count, every line a marker shape and a dash pattern of its own and
 * its last value in the legend. */
#ifndef MXS_SVG_H
#define MXS_SVG_H
#include <stddef.h>
#include <stdio.h>

/* Flags of the chart functions. */
enum svg_flags {
    SVG_STANDALONE = 1, /* a document of its own (XML declaration, xmlns); else inline in HTML */
    SVG_SHOW_TITLE = 2, /* draw the title as a heading; it is always the accessible name */
    SVG_SHARED_AXIS = 4, /* svg_stacked_chart: one axis for every row (below) */
};

/* The palette: colour i (any i >= 0, taken modulo its size) as "#rrggbb". */
#define SVG_PALETTE_SIZE 12
const char *svg_color(int i);

/* Writes s escaped for XML and HTML, as text or inside a quoted attribute: & < > " ' become
 * entities; control characters but tab, LF and CR, invalid UTF-8 and U+FFFE/U+FFFF become
 * U+FFFD. NULL writes nothing. */
void svg_escape(FILE *f, const char *s);

/* The same, shortened to at most max_chars characters (code points; >= 2): a longer s is cut
 * at a character boundary and ends with an ellipsis. Returns 1 when s was shortened. */
int svg_escape_short(FILE *f, const char *s, size_t max_chars);

/* Characters (UTF-8 code points; an invalid octet counts as one) in s. */
size_t svg_text_chars(const char *s);

/* "1,234,567" (grouped by thousands). Returns buf. */
char *svg_format_count(char *buf, size_t n, long long v);
/* svg_format_count's text of v, written to f. */
void svg_put_count(FILE *f, long long v);

/* A share in [0, 1] as a percentage with one decimal: "54.3%". Never rounds to a misleading
 * extreme: a share above 0 but below 0.05% is "<0.1%", one below 1 that would round to 100 is
 * ">99.9%". NaN (a share without denominator) is "n/a". Returns buf: plain text, to be escaped
 * (svg_escape) wherever it goes into markup, for the '<' of "<0.1%". */
char *svg_format_percent(char *buf, size_t n, double share);

/* ------------------------------------------------------------------ bar chart */

struct svg_bar {
    const char *label;
    long long value; /* >= 0 */
    int color;       /* palette index */
};

/* One bar per item, in the order given. With total > 0 a bar's length is value / total (a bar
 * across the plot would be 100%) and beside it are the value and that percentage; with total
 * 0 lengths are relative to the largest value, and beside each bar is the value. */
void svg_bar_chart(FILE *f, const char *title, const struct svg_bar *bars, size_t n,
                   long long total, unsigned flags);

/* ------------------------------------------------------------------ stacked bars */

struct svg_category {
    const char *name;
    int color; /* palette index */
};

struct svg_stack_row {
    const char *label;
    const long long *values; /* one per category, >= 0 */
};

/* A legend of the categories, then one bar per row spanning the plot (the row's mix: each
 * segment is its share of the row's total), the segment's count written inside it when it
 * fits, the row's total at its right. A row of total 0 draws an empty frame. With
 * SVG_SHARED_AXIS the rows share one axis instead: the plot's width is the largest row's
 * total, so a row's bar is as long as its total says (a row of 1 is a fifth of a row of 5). */
void svg_stacked_chart(FILE *f, const char *title, const struct svg_category *cats,
                       size_t ncat, const struct svg_stack_row *rows, size_t nrows,
                       unsigned flags);

/* ------------------------------------------------------------------ line chart */

struct svg_series {
    const char *name;
    const double *y; /* nx shares in [0, 1]; NaN where the series has no value (a gap) */
    int color;       /* palette index */
};

/* x: nx points evenly spaced, labelled by xlabels (some labels are skipped when crowded); y:
 * 0 to 100%. Series i has marker shape and dash pattern i (cycling), a tooltip at each point
 * and, in the legend at the right, its name and its last value. */
void svg_line_chart(FILE *f, const char *title, const char *const *xlabels, size_t nx,
                    const struct svg_series *series, size_t ns, unsigned flags);

#endif

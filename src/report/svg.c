/* svg: see svg.h. Geometry is in SVG user units (CSS pixels at 100%); text widths are
 * estimated from character counts, generously, since the program cannot measure fonts. */
#include "svg.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "core/text.h"

#define FONT_PX 13.0
#define CHAR_W (FONT_PX * 0.62) /* an estimate of the average advance, DejaVu Sans is wide */
#define WIDTH 940.0
#define ROW_H 26.0
#define BAR_H 18.0
#define LABEL_MAX 32 /* characters of a row label drawn; the rest is in the tooltip */

/* Okabe & Ito's colour-blind-safe set, then greys and two of Tol's dark tones. */
static const struct {
    const char *hex;
    const char *ink; /* text drawn on this colour */
} palette[SVG_PALETTE_SIZE] = {
    {"#009e73", "#fff"}, {"#56b4e9", "#000"}, {"#0072b2", "#fff"}, {"#e69f00", "#000"},
    {"#f0e442", "#000"}, {"#cc79a7", "#000"}, {"#d55e00", "#fff"}, {"#555555", "#fff"},
    {"#999999", "#000"}, {"#cccccc", "#000"}, {"#332288", "#fff"}, {"#882255", "#fff"},
};

static int pal(int i)
{
    return i < 0 ? 0 : i % SVG_PALETTE_SIZE;
}

const char *svg_color(int i)
{
    return palette[pal(i)].hex;
}

/* ------------------------------------------------------------------ text */

/* Decodes the UTF-8 character at s (not at its terminating NUL): sets *cp, returns its
 * length. An invalid sequence (overlong, surrogate, above U+10FFFF, truncated) is one octet
 * decoded as U+FFFD. The validity rule is text.c's, the one every output shares. */
static size_t utf8_next(const unsigned char *s, uint32_t *cp)
{
    /* A NUL ends the string: strnlen bounds the read at the longest character. */
    size_t len = text_utf8_char(s, strnlen((const char *)s, 4), cp);
    if (len == 0) {
        *cp = 0xfffd;
        return 1;
    }
    return len;
}

/* Writes the character cp, spelled in UTF-8 at s (len octets), escaped. */
static void escape_char(FILE *f, const unsigned char *s, size_t len, uint32_t cp)
{
    switch (cp) {
    case '&':
        fputs("&amp;", f);
        return;
    case '<':
        fputs("&lt;", f);
        return;
    case '>':
        fputs("&gt;", f);
        return;
    case '"':
        fputs("&quot;", f);
        return;
    case '\'':
        fputs("&#39;", f);
        return;
    }
    int control = (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') ||
                  (cp >= 0x7f && cp <= 0x9f) || cp == 0xfffe || cp == 0xffff;
    if (control || cp == 0xfffd)
        fputs("&#xfffd;", f);
    else
        fwrite(s, 1, len, f);
}

/* Writes at most max characters of s escaped; returns the rest (at its NUL when all fit). */
static const char *escape_n(FILE *f, const char *s, size_t max)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t n = 0; *p && n < max; n++) {
        uint32_t cp;
        size_t len = utf8_next(p, &cp);
        escape_char(f, p, len, cp);
        p += len;
    }
    return (const char *)p;
}

void svg_escape(FILE *f, const char *s)
{
    if (s)
        escape_n(f, s, SIZE_MAX);
}

size_t svg_text_chars(const char *s)
{
    size_t n = 0;
    uint32_t cp;
    for (const unsigned char *p = (const unsigned char *)s; p && *p; n++)
        p += utf8_next(p, &cp);
    return n;
}

int svg_escape_short(FILE *f, const char *s, size_t max_chars)
{
    if (!s)
        return 0;
    if (max_chars < 2)
        max_chars = 2;
    if (svg_text_chars(s) <= max_chars) {
        escape_n(f, s, SIZE_MAX);
        return 0;
    }
    escape_n(f, s, max_chars - 1);
    fputs("&#x2026;", f);
    return 1;
}

char *svg_format_count(char *buf, size_t n, long long v)
{
    char digits[32];
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    int len = snprintf(digits, sizeof(digits), "%llu", u);
    char out[48];
    size_t o = 0;
    if (v < 0)
        out[o++] = '-';
    for (int i = 0; i < len; i++) {
        if (i > 0 && (len - i) % 3 == 0)
            out[o++] = ',';
        out[o++] = digits[i];
    }
    out[o] = '\0';
    snprintf(buf, n, "%s", out);
    return buf;
}

char *svg_format_percent(char *buf, size_t n, double share)
{
    if (isnan(share))
        snprintf(buf, n, "n/a");
    else if (share > 0 && share < 0.0005)
        snprintf(buf, n, "<0.1%%");
    else if (share < 1 && share >= 0.9995)
        snprintf(buf, n, ">99.9%%");
    else
        snprintf(buf, n, "%.1f%%", share * 100.0);
    return buf;
}

/* The drawn width of n characters, estimated. */
static double text_w(size_t n)
{
    return (double)n * CHAR_W;
}

/* The characters a label takes once shortened for drawing. */
static size_t label_chars(const char *s)
{
    size_t n = svg_text_chars(s);
    return n > LABEL_MAX ? LABEL_MAX : n;
}

/* ------------------------------------------------------------------ frame */

static void svg_open(FILE *f, const char *title, double w, double h, unsigned flags)
{
    if (flags & SVG_STANDALONE)
        fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
              "<svg xmlns=\"http://www.w3.org/2000/svg\"",
              f);
    else
        fputs("<svg", f);
    fprintf(f, " class=\"chart\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\""
               " font-family=\"DejaVu Sans, Verdana, Arial, sans-serif\" font-size=\"%.0f\""
               " role=\"img\" aria-label=\"",
            w, h, w, h, FONT_PX);
    svg_escape(f, title);
    fputs("\">\n<title>", f);
    svg_escape(f, title);
    fputs("</title>\n", f);
    if (flags & SVG_STANDALONE)
        fprintf(f, "<rect width=\"%.0f\" height=\"%.0f\" fill=\"#fff\"/>\n", w, h);
    if (flags & SVG_SHOW_TITLE) {
        fputs("<text x=\"4\" y=\"18\" font-size=\"15\" font-weight=\"bold\">", f);
        svg_escape(f, title);
        fputs("</text>\n", f);
    }
}

static void svg_close(FILE *f)
{
    fputs("</svg>\n", f);
}

/* Height taken by the heading. */
static double top_pad(unsigned flags)
{
    return flags & SVG_SHOW_TITLE ? 30.0 : 4.0;
}

/* A row label, right-aligned to x, shortened, vertically centred on cy. */
static void row_label(FILE *f, double x, double cy, const char *label)
{
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">", x, cy + FONT_PX * 0.35);
    svg_escape_short(f, label, LABEL_MAX);
    fputs("</text>\n", f);
}

/* ------------------------------------------------------------------ bar chart */

/* "1,234" or "1,234 (12.5%)". */
static void bar_value(char *buf, size_t n, long long v, long long total)
{
    char c[32], p[16];
    svg_format_count(c, sizeof(c), v);
    if (total > 0)
        snprintf(buf, n, "%s (%s)", c, svg_format_percent(p, sizeof(p), (double)v / (double)total));
    else
        snprintf(buf, n, "%s", c);
}

void svg_bar_chart(FILE *f, const char *title, const struct svg_bar *bars, size_t n,
                   long long total, unsigned flags)
{
    size_t lchars = 4, vchars = 1;
    long long max = 0;
    char v[64];
    for (size_t i = 0; i < n; i++) {
        size_t c = label_chars(bars[i].label);
        lchars = c > lchars ? c : lchars;
        bar_value(v, sizeof(v), bars[i].value, total);
        vchars = strlen(v) > vchars ? strlen(v) : vchars;
        max = bars[i].value > max ? bars[i].value : max;
    }
    double x0 = text_w(lchars) + 12, top = top_pad(flags);
    double pw = WIDTH - x0 - text_w(vchars) - 12;
    double bottom = top + (double)n * ROW_H, h = bottom + (total > 0 ? 22 : 6);
    svg_open(f, title, WIDTH, h, flags);
    /* With a total, the scale: a light line at every quarter, labelled below. */
    for (int q = 0; q <= 4 && total > 0; q++) {
        double x = x0 + pw * q / 4.0;
        if (q)
            fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e3e3e3\"/>",
                    x, top, x, bottom);
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"11\""
                   " fill=\"#666\">%d%%</text>\n",
                x, bottom + 15, q * 25);
    }
    for (size_t i = 0; i < n; i++) {
        double y = top + (double)i * ROW_H, cy = y + ROW_H / 2;
        double scale = total > 0 ? (double)total : (double)max;
        double bw = scale > 0 ? pw * (double)bars[i].value / scale : 0;
        if (bars[i].value > 0 && bw < 2)
            bw = 2;
        if (bw > pw) /* a value above total: bad data, kept inside the drawing */
            bw = pw;
        bar_value(v, sizeof(v), bars[i].value, total);
        fputs("<g><title>", f);
        svg_escape(f, bars[i].label);
        fputs(": ", f);
        svg_escape(f, v); /* "<0.1%" */
        fputs("</title>\n", f);
        row_label(f, x0 - 8, cy, bars[i].label);
        fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\""
                   " stroke=\"#000\" stroke-opacity=\"0.3\"/>\n",
                x0, cy - BAR_H / 2, bw, BAR_H, svg_color(bars[i].color));
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\">", x0 + bw + 6, cy + FONT_PX * 0.35);
        svg_escape(f, v);
        fputs("</text></g>\n", f);
    }
    fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#444\"/>\n", x0,
            top, x0, bottom);
    svg_close(f);
}

/* ------------------------------------------------------------------ stacked bars */

/* Draws the legend from y, wrapping it to the width (with f NULL only measures it); returns
 * the height it takes. */
static double legend(FILE *f, const struct svg_category *cats, size_t ncat, double y)
{
    double x = 4, lines = 1;
    for (size_t i = 0; i < ncat; i++) {
        double w = 18 + text_w(label_chars(cats[i].name)) * 0.92 + 14;
        if (x > 4 && x + w > WIDTH) {
            x = 4;
            y += 20;
            lines++;
        }
        if (f) {
            fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"12\" height=\"12\" fill=\"%s\""
                       " stroke=\"#000\" stroke-opacity=\"0.3\"/>"
                       "<text x=\"%.1f\" y=\"%.1f\">",
                    x, y + 2, svg_color(cats[i].color), x + 17, y + 12.5);
            svg_escape_short(f, cats[i].name, LABEL_MAX);
            fputs("</text>\n", f);
        }
        x += w;
    }
    return lines * 20 + 6;
}

void svg_stacked_chart(FILE *f, const char *title, const struct svg_category *cats,
                       size_t ncat, const struct svg_stack_row *rows, size_t nrows,
                       unsigned flags)
{
    size_t lchars = 4, tchars = 1;
    char c[32], p[16];
    long long axis = 0; /* SVG_SHARED_AXIS: the largest row's total spans the plot */
    for (size_t r = 0; r < nrows; r++) {
        long long t = 0;
        for (size_t k = 0; k < ncat; k++)
            t += rows[r].values[k];
        size_t lc = label_chars(rows[r].label), tc = strlen(svg_format_count(c, sizeof(c), t));
        lchars = lc > lchars ? lc : lchars;
        tchars = tc > tchars ? tc : tchars;
        axis = t > axis ? t : axis;
    }
    double lh = legend(NULL, cats, ncat, 0), top = top_pad(flags), x0 = text_w(lchars) + 12;
    double pw = WIDTH - x0 - text_w(tchars) - 12;
    double h = top + lh + (double)nrows * ROW_H + 6;
    svg_open(f, title, WIDTH, h, flags);
    legend(f, cats, ncat, top);
    top += lh;
    for (size_t r = 0; r < nrows; r++) {
        double cy = top + (double)r * ROW_H + ROW_H / 2, by = cy - BAR_H / 2;
        long long t = 0, cum = 0;
        for (size_t k = 0; k < ncat; k++)
            t += rows[r].values[k];
        fputs("<g>", f);
        row_label(f, x0 - 8, cy, rows[r].label);
        for (size_t k = 0; k < ncat && t > 0; k++) {
            long long v = rows[r].values[k];
            if (v <= 0)
                continue;
            double scale = (double)((flags & SVG_SHARED_AXIS) ? axis : t);
            double xa = x0 + pw * (double)cum / scale;
            cum += v;
            double xb = x0 + pw * (double)cum / scale;
            svg_format_count(c, sizeof(c), v);
            fprintf(f, "<g><title>");
            svg_escape(f, rows[r].label);
            fputs(" \xe2\x80\x94 ", f);
            svg_escape(f, cats[k].name);
            fprintf(f, ": %s (", c);
            svg_escape(f, svg_format_percent(p, sizeof(p), (double)v / (double)t));
            fputs(")</title>", f);
            fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\""
                       " stroke=\"#fff\" stroke-width=\"1\"/>",
                    xa, by, xb - xa, BAR_H, svg_color(cats[k].color));
            /* Inside: "category count" when it fits, else the count, else nothing. */
            size_t name_chars = label_chars(cats[k].name) + 1 + strlen(c);
            int named = text_w(name_chars) + 8 <= xb - xa;
            if (named || text_w(strlen(c)) + 6 <= xb - xa) {
                fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" fill=\"%s\">",
                        (xa + xb) / 2, cy + FONT_PX * 0.35, palette[pal(cats[k].color)].ink);
                if (named) {
                    svg_escape_short(f, cats[k].name, LABEL_MAX);
                    fputc(' ', f);
                }
                fprintf(f, "%s</text>", c);
            }
            fputs("</g>\n", f);
        }
        fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\""
                   " stroke=\"#000\" stroke-opacity=\"0.3\"/>",
                x0, by, pw, BAR_H);
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\">%s</text></g>\n", x0 + pw + 6,
                cy + FONT_PX * 0.35, svg_format_count(c, sizeof(c), t));
    }
    svg_close(f);
}

/* ------------------------------------------------------------------ line chart */

#define NSHAPES 6
static const char *const dashes[NSHAPES] = {"", "7 4", "2 3", "9 3 2 3", "4 4", "12 4"};

/* Marker shape i (cycling) centred on x, y. */
static void marker(FILE *f, size_t shape, double x, double y, const char *color)
{
    const char *attrs = "stroke=\"#fff\" stroke-width=\"1\"";
    switch (shape % NSHAPES) {
    case 0:
        fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4.5\" fill=\"%s\" %s/>", x, y, color, attrs);
        break;
    case 1:
        fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"8\" height=\"8\" fill=\"%s\" %s/>", x - 4,
                y - 4, color, attrs);
        break;
    case 2:
        fprintf(f, "<path d=\"M%.1f %.1fL%.1f %.1fL%.1f %.1fZ\" fill=\"%s\" %s/>", x, y - 5.5,
                x + 5, y + 4, x - 5, y + 4, color, attrs);
        break;
    case 3:
        fprintf(f, "<path d=\"M%.1f %.1fL%.1f %.1fL%.1f %.1fL%.1f %.1fZ\" fill=\"%s\" %s/>", x,
                y - 5.5, x + 5.5, y, x, y + 5.5, x - 5.5, y, color, attrs);
        break;
    case 4:
        fprintf(f, "<path d=\"M%.1f %.1fL%.1f %.1fL%.1f %.1fZ\" fill=\"%s\" %s/>", x, y + 5.5,
                x + 5, y - 4, x - 5, y - 4, color, attrs);
        break;
    default:
        fprintf(f, "<path d=\"M%.1f %.1fL%.1f %.1fM%.1f %.1fL%.1f %.1f\" stroke=\"%s\""
                   " stroke-width=\"2.5\"/>",
                x - 4, y - 4, x + 4, y + 4, x - 4, y + 4, x + 4, y - 4, color);
    }
}

static double clamp01(double v)
{
    return v < 0 ? 0 : v > 1 ? 1 : v;
}

/* The last value of a series that is not NaN (NaN when none). */
static double last_value(const double *y, size_t n)
{
    for (size_t i = n; i > 0; i--)
        if (!isnan(y[i - 1]))
            return y[i - 1];
    return NAN;
}

void svg_line_chart(FILE *f, const char *title, const char *const *xlabels, size_t nx,
                    const struct svg_series *series, size_t ns, unsigned flags)
{
    const double h = 360, xlab_max = 20;
    size_t nchars = 4;
    for (size_t s = 0; s < ns; s++) {
        size_t c = label_chars(series[s].name);
        nchars = c > nchars ? c : nchars;
    }
    double legend_w = 34 + text_w(nchars + 8), lx = WIDTH - legend_w;
    double top = top_pad(flags) + 10, x0 = 52, x1 = lx - 20, y1 = h - 44;
    char p[16];
    svg_open(f, title, WIDTH, h, flags);
    /* Grid and y axis. */
    for (int t = 0; t <= 100; t += 20) {
        double y = y1 - (y1 - top) * t / 100.0;
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>"
                   "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" fill=\"#444\">%d%%</text>\n",
                x0, y, x1, y, t ? "#e3e3e3" : "#444", x0 - 6, y + FONT_PX * 0.35, t);
    }
    fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#444\"/>\n", x0,
            top, x0, y1);
    /* x positions and labels: every k-th label, so that none overlaps the next. */
    double pad = 16, span = x1 - x0 - 2 * pad;
#define XPOS(i) (nx > 1 ? x0 + pad + span * (double)(i) / (double)(nx - 1) : (x0 + x1) / 2)
    size_t lab = 1;
    for (size_t i = 0; i < nx; i++) {
        size_t c = svg_text_chars(xlabels[i]);
        lab = c > lab ? c : lab;
    }
    double lw = text_w(lab < xlab_max ? lab : (size_t)xlab_max) + 10;
    size_t step = 1;
    if (nx > 1)
        while (step < nx && span * (double)step / (double)(nx - 1) < lw)
            step++;
    for (size_t i = 0; i < nx; i += step) {
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" fill=\"#444\">", XPOS(i),
                y1 + 18);
        svg_escape_short(f, xlabels[i], (size_t)xlab_max);
        fputs("</text>\n", f);
    }
    if (nx == 0)
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">no runs</text>\n",
                (x0 + x1) / 2, (top + y1) / 2);
    /* Series: a path broken at NaN, a marker with a tooltip at each value. */
    for (size_t s = 0; s < ns; s++) {
        const char *col = svg_color(series[s].color);
        fputs("<g>", f);
        int any = 0;
        for (size_t i = 0; i < nx && !any; i++)
            any = !isnan(series[s].y[i]);
        if (any) {
            fputs("<path fill=\"none\" stroke-width=\"2\" d=\"", f);
            int pen = 0;
            for (size_t i = 0; i < nx; i++) {
                double v = series[s].y[i];
                if (isnan(v)) {
                    pen = 0;
                    continue;
                }
                fprintf(f, "%s%.1f %.1f", pen ? "L" : "M", XPOS(i), y1 - (y1 - top) * clamp01(v));
                pen = 1;
            }
            fprintf(f, "\" stroke=\"%s\"", col);
            if (*dashes[s % NSHAPES])
                fprintf(f, " stroke-dasharray=\"%s\"", dashes[s % NSHAPES]);
            fputs("/>\n", f);
        }
        for (size_t i = 0; i < nx; i++) {
            double v = series[s].y[i];
            if (isnan(v))
                continue;
            fputs("<g><title>", f);
            svg_escape(f, series[s].name);
            fputs(", ", f);
            svg_escape(f, xlabels[i]);
            fputs(": ", f);
            svg_escape(f, svg_format_percent(p, sizeof(p), v));
            fputs("</title>", f);
            marker(f, s, XPOS(i), y1 - (y1 - top) * clamp01(v), col);
            fputs("</g>\n", f);
        }
        /* Legend entry: a stretch of the line with its marker, the name, the last value. */
        double ly = top + 6 + (double)s * 24;
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\""
                   " stroke-width=\"2\"%s%s%s/>",
                lx, ly, lx + 24, ly, col, *dashes[s % NSHAPES] ? " stroke-dasharray=\"" : "",
                dashes[s % NSHAPES], *dashes[s % NSHAPES] ? "\"" : "");
        marker(f, s, lx + 12, ly, col);
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\">", lx + 30, ly + FONT_PX * 0.35);
        svg_escape_short(f, series[s].name, LABEL_MAX);
        fputs(" <tspan font-weight=\"bold\">", f);
        svg_escape(f, svg_format_percent(p, sizeof(p), last_value(series[s].y, nx)));
        fputs("</tspan></text></g>\n", f);
    }
#undef XPOS
    svg_close(f);
}

void svg_put_count(FILE *f, long long v)
{
    char b[32];
    fputs(svg_format_count(b, sizeof(b), v), f);
}

/* csvw: RFC 4180 quoting, spreadsheet formula neutralisation, number and empty cells, and the
 * atomic file writer. */
#include <stdlib.h>
#include <sys/stat.h>

#include "report/csvw.h"
#include "test.h"
#include "testfs.h"
#include "core/util.h"

/* The row holding one text cell of s (n octets), CRLF included, as a new string. */
static char *one_cell(const char *s, size_t n)
{
    struct csv_row r;
    csv_row_init(&r);
    csv_text(&r, s, n);
    size_t len;
    const char *out = csv_row_end(&r, &len);
    char *copy = xstrndup(out, len);
    csv_row_free(&r);
    return copy;
}

static void check_cell(const char *in, const char *want, int line)
{
    char *got = one_cell(in, strlen(in));
    if (strcmp(got, want) != 0)
        fprintf(stderr, "  (cell from line %d)\n", line);
    CHECK_STR(got, want);
    free(got);
}
#define CELL(in, want) check_cell(in, want, __LINE__)

TEST(csvw_quoting)
{
    CELL("plain text", "plain text\r\n");
    CELL("mx.example", "mx.example\r\n");
    CELL("a,b", "\"a,b\"\r\n");
    CELL("say \"hi\"", "\"say \"\"hi\"\"\"\r\n");
    CELL("\"", "\"\"\"\"\r\n");
    /* Control characters are written \xHH (csvw.h): never raw, so a row is one line. */
    CELL("line1\nline2", "line1\\x0aline2\r\n");
    CELL("line1\r\nline2", "line1\\x0d\\x0aline2\r\n");
    CELL("cr\rinside", "cr\\x0dinside\r\n");
    CELL("a,\nb", "\"a,\\x0ab\"\r\n");
    CELL(" leading", "\" leading\"\r\n");
    CELL("trailing ", "\"trailing \"\r\n");
    CELL("trailing\t", "trailing\\x09\r\n");
    CELL("esc\x1b[31m.example", "esc\\x1b[31m.example\r\n");
    CELL("del\x7f", "del\\x7f\r\n");
    CELL("csi\xc2\x9b" "2J", "csi\\xc2\\x9b2J\r\n");   /* C1 as UTF-8 (U+009B) */
    CELL("raw\x9b" "2J", "raw\\x9b2J\r\n");               /* C1 as a raw octet */
    CELL("bad\xff\xc0\xaf", "bad\\xff\\xc0\\xaf\r\n");      /* not UTF-8 */
    /* Text in the JSON's notation passes through: it still decodes to the same octets. */
    CELL("nul\\x00.example", "nul\\x00.example\r\n");
    CELL("x\\x5cx41.example", "x\\x5cx41.example\r\n");
    CELL("back\\slash", "back\\slash\r\n");
    CELL("in side", "in side\r\n");
    CELL("it's", "it's\r\n");
    CELL("semi;colon", "semi;colon\r\n");
    /* UTF-8 is kept octet for octet (ü, 日本, an emoji), and quoted only for the usual reasons. */
    CELL("b\xc3\xbc" "cher.example", "b\xc3\xbc" "cher.example\r\n");
    CELL("\xe6\x97\xa5\xe6\x9c\xac,\xf0\x9f\x93\xa7", "\"\xe6\x97\xa5\xe6\x9c\xac,\xf0\x9f\x93\xa7\"\r\n");
    /* Octets are taken by length: an embedded NUL is not a terminator, and is escaped. */
    char *got = one_cell("a\0b", 3);
    CHECK_STR(got, "a\\x00b\r\n");
    free(got);
    CHECK_INT(csv_needs_quotes("x", 1), 0);
    CHECK_INT(csv_needs_quotes(" x", 2), 1);
    CHECK_INT(csv_needs_quotes("x\n", 2), 1);
    CHECK_INT(csv_needs_quotes("", 0), 0);
}

TEST(csvw_formula_neutralisation)
{
    CELL("=HYPERLINK(\"x\")", "\"'=HYPERLINK(\"\"x\"\")\"\r\n");
    CELL("=1+2", "'=1+2\r\n");
    CELL("+1", "'+1\r\n");
    CELL("-2", "'-2\r\n");
    CELL("@SUM(A1:A2)", "'@SUM(A1:A2)\r\n");
    /* A leading TAB or CR is escaped first, and "\x09..." starts no formula. */
    CELL("\tcmd", "\\x09cmd\r\n");
    CELL("\rcmd", "\\x0dcmd\r\n");
    CELL("-leading-hyphen.example", "'-leading-hyphen.example\r\n");
    CELL("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0\r\n");
    CELL("\tx", "\\x09x\r\n");
    CELL("\t", "\\x09\r\n");
    CELL("=\x1b", "'=\\x1b\r\n");
    /* Quoted for its trailing blank and comma, prefixed inside the quotes. */
    CELL("=a, ", "\"'=a, \"\r\n");
    /* Only the first octet counts. */
    CELL("a=b", "a=b\r\n");
    CELL("x-1", "x-1\r\n");
    CELL(" =1", "\" =1\"\r\n");
    CHECK_INT(csv_formula_risk("=", 1), 1);
    CHECK_INT(csv_formula_risk("a", 1), 0);
    CHECK_INT(csv_formula_risk("", 0), 0);
}

TEST(csvw_cells_and_rows)
{
    struct csv_row r;
    csv_row_init(&r);
    csv_str(&r, "text");
    csv_str(&r, NULL);
    csv_empty(&r);
    csv_str(&r, "");
    csv_int(&r, 2525);
    csv_int(&r, -7); /* numbers are never neutralised, even negative ones */
    csv_int(&r, 0);
    csv_real(&r, 0.542857142857143);
    csv_real(&r, 0.6);
    csv_real(&r, 1);
    csv_bool(&r, 1);
    csv_bool(&r, 0);
    csv_text(&r, "ab", 1);
    size_t n;
    const char *s = csv_row_end(&r, &n);
    const char *want = "text,,,,2525,-7,0,0.542857142857143,0.6,1,true,false,a\r\n";
    CHECK_INT(n, strlen(want));
    CHECK(n == strlen(want) && memcmp(s, want, n) == 0);
    CHECK_INT(r.ncells, 13);
    /* A row of one empty cell is an empty line; a cleared row starts again. */
    csv_row_clear(&r);
    csv_empty(&r);
    s = csv_row_end(&r, &n);
    CHECK_INT(n, 2);
    CHECK(memcmp(s, "\r\n", 2) == 0);
    csv_row_clear(&r);
    csv_empty(&r);
    csv_empty(&r);
    s = csv_row_end(&r, &n);
    CHECK_INT(n, 3);
    CHECK(memcmp(s, ",\r\n", 3) == 0);
    /* A long cell grows the buffer. */
    csv_row_clear(&r);
    char big[5000];
    memset(big, '"', sizeof(big));
    csv_text(&r, big, sizeof(big));
    s = csv_row_end(&r, &n);
    CHECK_INT(n, 2 * sizeof(big) + 4);
    csv_row_free(&r);
}

TEST(csvw_file_atomic)
{
    char *dir = tfs_mkdtemp("mxs-csvw");
    CHECK(dir != NULL);
    if (!dir)
        return;
    char path[512];
    snprintf(path, sizeof(path), "%s/t.csv", dir);
    struct csv_file cf;
    struct csv_row r;
    csv_row_init(&r);

    /* Committed: the destination appears whole, the temporary file is gone. */
    CHECK_INT(csv_file_open(&cf, path), 0);
    csv_str(&r, "a");
    csv_str(&r, "b,c");
    CHECK_INT(csv_file_put(&cf, &r), 0);
    csv_row_clear(&r);
    csv_int(&r, 1);
    csv_str(&r, "=x");
    CHECK_INT(csv_file_put(&cf, &r), 0);
    CHECK_INT(tfs_count_files(dir), 1); /* only the temporary file so far */
    CHECK_INT(csv_file_commit(&cf), 0);
    char *text = tfs_read(dir, "t.csv");
    CHECK_STR(text, "a,\"b,c\"\r\n1,'=x\r\n");
    free(text);
    struct stat st;
    CHECK_INT(stat(path, &st), 0);
    CHECK_INT(st.st_mode & 0777, 0644);
    CHECK_INT(tfs_count_files(dir), 1);

    /* Aborted: the previous file is untouched, nothing else is left. */
    CHECK_INT(csv_file_open(&cf, path), 0);
    csv_row_clear(&r);
    csv_str(&r, "half");
    CHECK_INT(csv_file_put(&cf, &r), 0);
    csv_file_abort(&cf);
    text = tfs_read(dir, "t.csv");
    CHECK_STR(text, "a,\"b,c\"\r\n1,'=x\r\n");
    free(text);
    CHECK_INT(tfs_count_files(dir), 1);

    /* A folder that does not exist. */
    snprintf(path, sizeof(path), "%s/no/such/t.csv", dir);
    CHECK(csv_file_open(&cf, path) < 0);
    csv_file_abort(&cf); /* harmless */

    csv_row_free(&r);
    tfs_rmtree(dir);
    free(dir);
}

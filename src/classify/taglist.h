/* taglist: the "v=VERSION; name=value; ..." TXT records of MTA-STS (RFC 8461 §3.1) and TLSRPT
 * (RFC 8460 §3), read field by field. Pure functions over bytes.
 *
 * The grammar both RFCs share:
 *   record = version 1*(delim field) [delim]      (TLSRPT and MTA-STS both need one field)
 *   delim  = *WSP ";" *WSP                        (WSP: space or tab)
 *   field  = name "=" value
 *   name   = (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".")
 *   value  = 1*(%x21-3A / %x3C / %x3E-7E)         (printable ASCII but ';' and '=')
 * The version field is the first field, compared exactly (case-sensitive, RFC 7405 %s).
 * TLSRPT's rua value holds "," and WSP between its URIs (RFC 8460 §3), so a field's value may
 * be read up to the next ';' instead (taglist_next's loose flag; the caller checks it).
 *
 * Which record: the resolver may return several TXT records at the name. Those that do not
 * begin with the version field are discarded; if not exactly one remains, the domain has no
 * such record (RFC 8461 §3.1, RFC 8460 §3). txt_select says which remained. */
#ifndef MXS_TAGLIST_H
#define MXS_TAGLIST_H
#include <stddef.h>

struct tag {
    const char *name, *value; /* into the record (not NUL-terminated) */
    size_t name_len, value_len;
};

/* Reads the field at *pos of s[0..n): 1 with *t filled and *pos past it and its delimiter,
 * 0 at the end of the record, -1 when the text at *pos is not a field (or a delimiter is
 * missing after it). loose: the value runs to the next ';' (WSP and ',' inside, trailing WSP
 * dropped), any octets but ';' and control characters. */
int taglist_next(const char *s, size_t n, size_t *pos, struct tag *t, int loose);

/* 1 when s[0..n) begins with the field version (e.g. "v=STSv1") followed by the end, WSP or
 * ';'. */
int taglist_has_version(const char *s, size_t n, const char *version);

/* Of the n records recs[i] (lens[i] octets each), the index of the one that begins with the
 * version field; -1 when none does, -2 when more than one does. */
int taglist_select(const char *const *recs, const size_t *lens, size_t n, const char *version);

/* 1 when the tag's name is name (exactly, case-sensitive as the RFCs' %s strings). */
int tag_is(const struct tag *t, const char *name);

#endif

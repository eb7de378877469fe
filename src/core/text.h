/* text: octets from the network (certificate names and DNs, greeting and EHLO words, server
 * replies in error messages, invalid input lines) as text, in ONE reversible notation used for
 * every such string mxsurvey writes to JSON (docs/schema.md, "Text from the network"). Pure
 * functions, no state; knows nothing about mail.
 *
 * The text notation of an octet string S:
 *   - every complete, valid UTF-8 character of S other than NUL is written as itself: a space
 *     stays a space, "ü" stays "ü", and control characters (TAB, ESC, U+009B...) stay
 *     characters (JSON writes them as \u escapes of its own);
 *   - every octet that is not part of a valid UTF-8 character (a stray continuation octet, an
 *     overlong form, a surrogate, a value above U+10FFFF, a truncated sequence; see
 *     text_utf8_char) and every NUL is written as the four characters "\xHH" (lower-case hex);
 *   - a backslash of S is written "\x5c" only where it would otherwise read as an escape: when
 *     S has 'x' (lower-case) and two hex digits (either case) right after it. Every other
 *     backslash stays "\".
 * Decoding: every "\xHH" (lower-case 'x', two hex digits of either case) is the octet HH;
 * everything else is itself. decode(escape(S)) == S for every S; escape(S) is always valid
 * UTF-8 without NUL, so it is always a valid JSON string and a C string.
 *
 * Outputs for people (a terminal, a CSV cell) use text_visible() on top, which also writes
 * control characters as "\xHH", without changing what the text decodes to. */
#ifndef MXS_TEXT_H
#define MXS_TEXT_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Length (1..4) of the valid UTF-8 character at s[0..n), 0 when s does not start with one:
 * shortest form only, no surrogates (U+D800..U+DFFF), nothing above U+10FFFF, complete within
 * n. *cp (when cp is non-NULL) gets the code point. n must be at least 1. NUL is a valid
 * character here (length 1); text_escape() escapes it separately. */
size_t text_utf8_char(const unsigned char *s, size_t n, uint32_t *cp);

/* 1 for the control characters: C0 (U+0000..U+001F), DEL (U+007F), C1 (U+0080..U+009F). */
int text_is_control(uint32_t cp);

/* The notation of the n octets at s (s may be NULL when n is 0). Newly allocated; caller
 * frees. */
char *text_escape(const char *s, size_t n);
/* The same for a NUL-terminated string; NULL for NULL. */
char *text_escape_str(const char *s);

/* The next octet of the notation text t[0..n) from position *i (< n), decoding one "\xHH";
 * advances *i past what it read. */
unsigned char text_next_octet(const char *t, size_t n, size_t *i);
/* Decodes t[0..n) into out (room for cap octets). Returns the number of octets, or
 * (size_t)-1 when they do not fit (out then holds the first cap). */
size_t text_decode(const char *t, size_t n, unsigned char *out, size_t cap);
/* Decodes t[0..n) into a new buffer (caller frees) with a NUL after the octets (which may
 * themselves hold NUL); *len gets their number. */
unsigned char *text_unescape(const char *t, size_t n, size_t *len);

/* t[0..n) for a person's eyes: every control character (text_is_control, whether its one or
 * two UTF-8 octets) and every octet not part of valid UTF-8 written as "\xHH" per octet;
 * everything else, backslashes included, kept. For text already in the notation the result
 * decodes to the same octets (a control character written "\xHH" decodes to itself), so a
 * CSV cell of it can still be decoded by the notation's rule. Never holds a raw C0, DEL or C1
 * character, and is valid UTF-8. Newly allocated; caller frees. */
char *text_visible(const char *t, size_t n);
/* Writes text_visible() of the NUL-terminated t to f: what `mxsurvey check` prints server text
 * and certificate names with. */
void text_put_visible(FILE *f, const char *t);

/* JSON text (as json_dumps writes it: C0 already escaped) with DEL and every C1 character
 * (U+0080..U+009F, two UTF-8 octets) also written as the JSON escape \u00HH: the same JSON
 * value, but nothing a terminal would act on, for JSON printed to a terminal. Newly allocated;
 * caller frees. */
char *text_json_escape_c1(const char *json);

#endif

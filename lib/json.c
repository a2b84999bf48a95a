// SPDX-License-Identifier: GPL-2.0
#include <math.h>

#include "json.h"

void jw_init(struct jw *w, FILE *f)
{
	w->f = f;
	w->depth = 0;
	w->count[0] = 0;
	w->inline_depth = 0;
}

/*
 * Bytes in the well-formed UTF-8 sequence at @s (RFC 3629: no overlong
 * forms, no surrogates, nothing past U+10FFFF), or 0 if it is not one.
 */
size_t utf8_len(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n;
	uint32_t cp;

	if (u[0] < 0x80)
		return 1;
	if (u[0] >= 0xc2 && u[0] <= 0xdf)
		n = 2, cp = u[0] & 0x1f;
	else if (u[0] >= 0xe0 && u[0] <= 0xef)
		n = 3, cp = u[0] & 0x0f;
	else if (u[0] >= 0xf0 && u[0] <= 0xf4)
		n = 4, cp = u[0] & 0x07;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((u[i] & 0xc0) != 0x80)
			return 0;	/* also stops at the NUL */
		cp = cp << 6 | (u[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

int utf8_valid(const char *s)
{
	for (size_t n; *s; s += n)
		if (!(n = utf8_len(s)))
			return 0;
	return 1;
}

/* A JSON string, always valid: a byte that is not UTF-8 becomes U+FFFD. */
static void put_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (size_t n; s && *s; s += n) {
		unsigned char c = (unsigned char)*s;

		n = utf8_len(s);
		if (!n) {
			fputs("\\ufffd", f);
			n = 1;
		} else if (n > 1) {
			fwrite(s, 1, n, f);
		} else if (c == '"' || c == '\\') {
			fprintf(f, "\\%c", c);
		} else if (c == '\n') {
			fputs("\\n", f);
		} else if (c < 0x20) {
			fprintf(f, "\\u%04x", c);
		} else {
			fputc(c, f);
		}
	}
	fputc('"', f);
}

static int on_one_line(const struct jw *w)
{
	return w->inline_depth && w->depth >= w->inline_depth;
}

/* Comma, newline and indent before a member (", " on one line), then its
 * key. */
static void member(struct jw *w, const char *key)
{
	if (on_one_line(w)) {
		if (w->count[w->depth]++)
			fputs(", ", w->f);
	} else {
		if (w->count[w->depth]++)
			fputc(',', w->f);
		if (w->depth)
			fputc('\n', w->f);
		for (int i = 0; i < w->depth; i++)
			fputs("  ", w->f);
	}
	if (key) {
		put_string(w->f, key);
		fputs(": ", w->f);
	}
}

static void open_level(struct jw *w, const char *key, char c, int one_line)
{
	member(w, key);
	fputc(c, w->f);
	if (w->depth < JW_MAX_DEPTH - 1)
		w->depth++;
	w->count[w->depth] = 0;
	if (one_line && !w->inline_depth)
		w->inline_depth = w->depth;
}

void jw_object(struct jw *w, const char *key)
{
	open_level(w, key, '{', 0);
}

void jw_array(struct jw *w, const char *key)
{
	open_level(w, key, '[', 0);
}

void jw_object_inline(struct jw *w, const char *key)
{
	open_level(w, key, '{', 1);
}

void jw_array_inline(struct jw *w, const char *key)
{
	open_level(w, key, '[', 1);
}

void jw_end(struct jw *w, char close)
{
	int had = w->count[w->depth] && !on_one_line(w);

	if (w->depth == w->inline_depth)
		w->inline_depth = 0;
	if (w->depth)
		w->depth--;
	if (had) {
		fputc('\n', w->f);
		for (int i = 0; i < w->depth; i++)
			fputs("  ", w->f);
	}
	fputc(close, w->f);
	if (!w->depth)
		fputc('\n', w->f);
}

void jw_str(struct jw *w, const char *key, const char *val)
{
	member(w, key);
	if (val)
		put_string(w->f, val);
	else
		fputs("null", w->f);
}

void jw_int(struct jw *w, const char *key, long long val)
{
	member(w, key);
	fprintf(w->f, "%lld", val);
}

static void put_num(FILE *f, double v)
{
	if (isfinite(v))
		fprintf(f, "%.6g", v);
	else
		fputs("null", f);
}

void jw_num(struct jw *w, const char *key, double val)
{
	member(w, key);
	put_num(w->f, val);
}

void jw_fixed(struct jw *w, const char *key, double val, int decimals)
{
	member(w, key);
	if (isfinite(val))
		fprintf(w->f, "%.*f", decimals, val);
	else
		fputs("null", w->f);
}

void jw_bool(struct jw *w, const char *key, int val)
{
	member(w, key);
	fputs(val ? "true" : "false", w->f);
}

void jw_nums(struct jw *w, const char *key, const double *v, size_t n)
{
	member(w, key);
	fputc('[', w->f);
	for (size_t i = 0; i < n; i++) {
		if (i)
			fputs(", ", w->f);
		put_num(w->f, v[i]);
	}
	fputc(']', w->f);
}

void jw_raw(struct jw *w, const char *key, const char *json)
{
	member(w, key);
	fputs(json, w->f);
}

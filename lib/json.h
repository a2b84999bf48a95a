/* SPDX-License-Identifier: GPL-2.0 */
/* A small streaming JSON writer: enough for results files, no more. */
#ifndef BARBENCH_JSON_H
#define BARBENCH_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define JW_MAX_DEPTH 16

struct jw {
	FILE *f;
	int depth;
	int count[JW_MAX_DEPTH];	/* members written at each level */
	int inline_depth;	/* levels from here down on one line; 0: none */
};

/* Bytes of the well-formed UTF-8 sequence at @s, 0 if it is not one. */
size_t utf8_len(const char *s);
int utf8_valid(const char *s);

void jw_init(struct jw *w, FILE *f);
/* @key is NULL inside an array or at the top level. */
void jw_object(struct jw *w, const char *key);
void jw_array(struct jw *w, const char *key);
/* The same, with its members (and theirs) on one line: "{"a": 1, "b": 2}". */
void jw_object_inline(struct jw *w, const char *key);
void jw_array_inline(struct jw *w, const char *key);
void jw_end(struct jw *w, char close);	/* '}' or ']' */
void jw_str(struct jw *w, const char *key, const char *val);	/* U+FFFD for bad UTF-8 */
void jw_int(struct jw *w, const char *key, long long val);
void jw_num(struct jw *w, const char *key, double val);	/* NaN -> null */
/* With @decimals digits after the point ("%.*f"); NaN -> null. */
void jw_fixed(struct jw *w, const char *key, double val, int decimals);
void jw_bool(struct jw *w, const char *key, int val);
void jw_nums(struct jw *w, const char *key, const double *v, size_t n);
/* A value already written as JSON elsewhere (another jw's output). */
void jw_raw(struct jw *w, const char *key, const char *json);

#endif

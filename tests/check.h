/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A minimal test harness: CHECK records a pass or a failure with the line
 * and the expression; check_skip() a check that cannot be made here, with
 * the reason; check_summary() prints "N passed, M failed[, K skipped]"
 * (the line CI reads) and gives the exit status.
 *
 * With KTAP=1 in the environment, check_summary() prints the checks as
 * KTAP first (KTAP version 1, the plan 1..N, one "ok N" or "not ok N" per
 * check, named FILE:LINE EXPRESSION), so that kselftest-style runners
 * parse them; the summary line follows, unchanged.  Without it the output
 * is what it always was.
 */
#ifndef BARBENCH_CHECK_H
#define BARBENCH_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_passed, check_failed, check_skipped;
/* KTAP's plan comes before its results: the result lines wait here. */
static FILE *check_ktap_lines;

static inline int check_ktap(void)
{
	const char *k = getenv("KTAP");

	return k && *k && strcmp(k, "0");
}

static inline void check_note(int ok, const char *file, int line,
			      const char *what)
{
	if (!check_ktap())
		return;
	if (!check_ktap_lines && !(check_ktap_lines = tmpfile()))
		return;
	fprintf(check_ktap_lines, "%s %d %s:%d ", ok ? "ok" : "not ok",
		check_passed + check_failed + check_skipped, file, line);
	/* "#" would start a KTAP directive; a name is one line. */
	for (; *what; what++)
		fputc(*what == '#' || *what == '\n' ? '_' : *what,
		      check_ktap_lines);
	fputc('\n', check_ktap_lines);
}

/* cond is evaluated once: a check may call the code under test. */
#define CHECK(cond)							\
	do {								\
		int _ok = !!(cond);					\
		if (_ok) {						\
			check_passed++;					\
		} else {						\
			check_failed++;					\
			fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__,	\
				__LINE__, #cond);			\
		}							\
		check_note(_ok, __FILE__, __LINE__, #cond);		\
	} while (0)

#define CHECK_EQ(a, b)							\
	do {								\
		unsigned long long _a = (a), _b = (b);			\
		if (_a == _b) {						\
			check_passed++;					\
		} else {						\
			check_failed++;					\
			fprintf(stderr, "FAIL %s:%d: %s == %s "		\
				"(0x%llx != 0x%llx)\n", __FILE__,	\
				__LINE__, #a, #b, _a, _b);		\
		}							\
		check_note(_a == _b, __FILE__, __LINE__, #a " == " #b);	\
	} while (0)

/* Two strings equal; both are printed when they are not. */
#define CHECK_STR(a, b)							\
	do {								\
		const char *_a = (a), *_b = (b);			\
		int _ok = _a && _b && !strcmp(_a, _b);			\
		if (_ok) {						\
			check_passed++;					\
		} else {						\
			check_failed++;					\
			fprintf(stderr, "FAIL %s:%d: %s == %s "		\
				"(\"%s\" != \"%s\")\n", __FILE__,	\
				__LINE__, #a, #b, _a ? _a : "(null)",	\
				_b ? _b : "(null)");			\
		}							\
		check_note(_ok, __FILE__, __LINE__, #a " == " #b);	\
	} while (0)

/*
 * A check that cannot be made here (a kernel without the feature it
 * needs): counted apart, said on stdout with the reason, "# SKIP" in KTAP.
 */
#define check_skip(what, reason)					\
	do {								\
		check_skipped++;					\
		printf("SKIP: %s: %s\n", (what), (reason));		\
		if (check_ktap() && (check_ktap_lines ||		\
		    (check_ktap_lines = tmpfile())))			\
			fprintf(check_ktap_lines, "ok %d %s # SKIP %s\n",	\
				check_passed + check_failed +		\
				check_skipped, (what), (reason));	\
	} while (0)

/* KTAP's header, plan and results, then the totals kselftest prints. */
static inline void check_ktap_print(void)
{
	int c;

	printf("KTAP version 1\n1..%d\n",
	       check_passed + check_failed + check_skipped);
	if (check_ktap_lines) {
		rewind(check_ktap_lines);
		while ((c = fgetc(check_ktap_lines)) != EOF)
			putchar(c);
		fclose(check_ktap_lines);
		check_ktap_lines = NULL;
	}
	printf("# Totals: pass:%d fail:%d xfail:0 xpass:0 skip:%d error:0\n",
	       check_passed, check_failed, check_skipped);
}

static inline int check_summary(const char *name)
{
	if (check_ktap())
		check_ktap_print();
	if (check_skipped)
		printf("%s: %d passed, %d failed, %d skipped\n", name,
		       check_passed, check_failed, check_skipped);
	else
		printf("%s: %d passed, %d failed\n", name, check_passed,
		       check_failed);
	return check_failed ? 1 : 0;
}

/*
 * Nothing to test here (no device): under KTAP=1, a plan of none, skipped
 * with the reason, as kselftest's runners read it.  The caller says why on
 * stderr and exits as it always did.
 */
static inline void check_skip_all(const char *reason)
{
	if (check_ktap())
		printf("KTAP version 1\n1..0 # SKIP %s\n", reason);
}

#endif

// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: pci_addr_normalize() on arbitrary strings (the input,
 * cut at its first NUL).
 *
 * Checked, abort() on violation:
 *  - success gives exactly ^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$
 *    (with the device number <= 0x1f) and normalizing that again succeeds
 *    and gives the same string;
 *  - the answer agrees with a strict reference parser of what vfio_dev.h
 *    promises ("0000:00:02.0" or "00:02.0", hex fields, in range): an
 *    input is accepted exactly when it has the form DOM:BUS:DEV.FN or
 *    BUS:DEV.FN, one or more hex digits a field, values dom <= 0xffff,
 *    bus <= 0xff, dev <= 0x1f, fn <= 7, and then to the same address.
 *
 * FUZZ_SKIP_KNOWN=1 in the environment skips the reference comparison for
 * inputs with a field of 2^32 or more (sscanf's %x truncates those: the
 * known bug in bench/fuzz/README.md), to look for others.  Never set in
 * make test.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../vfio_dev.h"

#define FAIL(...)							\
	do {								\
		fprintf(stderr, "fuzz_addr: " __VA_ARGS__);		\
		fputc('\n', stderr);					\
		abort();						\
	} while (0)

#define OUTLEN	13	/* "dddd:bb:dd.f" and its NUL */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* One hex field ending at @sep (0: the end of the string); saturates. */
static const char *field(const char *s, char sep, unsigned long *v)
{
	const char *start = s;

	*v = 0;
	for (; hexval(*s) >= 0; s++)
		if (*v <= 0xfffff)
			*v = *v * 16 + (unsigned long)hexval(*s);
	if (s == start || *s != sep)
		return NULL;
	return sep ? s + 1 : s;
}

/* Does @s hold a hex number of more than 8 significant digits? */
static int overlong(const char *s)
{
	int sig = 0;

	for (; *s; s++) {
		if (hexval(*s) < 0)
			sig = 0;
		else if ((sig || *s != '0') && ++sig > 8)
			return 1;
	}
	return 0;
}

/* The reference: 0 and the canonical form in @out, or -1. */
static int reference(const char *in, char *out, size_t outlen)
{
	unsigned long dom = 0, bus, dev, fn;
	const char *s;

	s = field(in, ':', &dom);
	if (s && (s = field(s, ':', &bus)) && (s = field(s, '.', &dev)) &&
	    (s = field(s, 0, &fn))) {
		/* DOM:BUS:DEV.FN */
	} else {
		dom = 0;
		s = field(in, ':', &bus);
		if (!s || !(s = field(s, '.', &dev)) || !field(s, 0, &fn))
			return -1;
	}
	if (dom > 0xffff || bus > 0xff || dev > 0x1f || fn > 7)
		return -1;
	snprintf(out, outlen, "%04lx:%02lx:%02lx.%lx", dom, bus, dev, fn);
	return 0;
}

static int canonical(const char *s)
{
	static const char form[] = "xxxx:xx:xx.x";

	if (strlen(s) != sizeof(form) - 1)
		return 0;
	for (size_t i = 0; form[i]; i++) {
		if (form[i] == 'x' ? !((s[i] >= '0' && s[i] <= '9') ||
				       (s[i] >= 'a' && s[i] <= 'f'))
				   : s[i] != form[i])
			return 0;
	}
	return s[11] <= '7' && hexval(s[8]) <= 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int skip_known = -1;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Exactly sized heap copies: ASan sees a read or write past them. */
	char *in = malloc(size + 1), *out = malloc(OUTLEN);
	char *again = malloc(OUTLEN), ref[OUTLEN];
	int rc, rrc;

	if (!in || !out || !again)
		abort();
	memcpy(in, data, size);
	in[size] = 0;
	memset(out, 0, OUTLEN);

	rc = pci_addr_normalize(in, out, OUTLEN);
	rrc = reference(in, ref, sizeof(ref));
	if (rc != 0 && rc != -1)
		FAIL("returned %d", rc);
	if (rc == 0) {
		if (!canonical(out))
			FAIL("\"%s\" gave \"%.*s\", not dddd:bb:dd.f", in,
			     OUTLEN, out);
		if (pci_addr_normalize(out, again, OUTLEN) ||
		    strcmp(out, again))
			FAIL("\"%s\" gave \"%s\", which does not normalize "
			     "to itself", in, out);
	}
	if (skip_known < 0)
		skip_known = getenv("FUZZ_SKIP_KNOWN") != NULL;
	if (skip_known && overlong(in))
		goto done;
	if (rc != rrc)
		FAIL("\"%s\" %s, the reference %s (as \"%s\")", in,
		     rc ? "rejected" : "accepted",
		     rrc ? "rejects it" : "accepts it",
		     rc ? ref : out);
	if (rc == 0 && strcmp(out, ref))
		FAIL("\"%s\" gave \"%s\", the reference \"%s\"", in, out, ref);
done:
	free(in);
	free(out);
	free(again);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: pci_addr_normalize() on arbitrary strings (the input,
 * cut at its first NUL).
 *
 * Checked, abort() on violation:
 *  - success gives exactly ^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$
 *    (with the device number <= 0x1f) and normalizing that again succeeds
 *    and gives the same string;
 *  - the answer agrees with a reference parser written here from the
 *    grammar of vfio_dev.h and the unit tests: accepted exactly when the
 *    input is DOM:BUS:DEV.FN or BUS:DEV.FN with 1-4 hex digits of domain,
 *    1-2 of bus, 1-2 of device (<= 0x1f), 1 of function (<= 7), either
 *    case, nothing else; and then as the same address.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vfio_dev.h"

#define FUZZ_NAME "fuzz_addr"
#include "fuzz.h"

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

/* 1..@max hex digits ending at @sep (0: the string's end), or NULL. */
static const char *field(const char *s, int max, char sep, unsigned int *v)
{
	int n = 0;

	for (*v = 0; hexval(s[n]) >= 0; n++)
		*v = *v * 16 + (unsigned int)hexval(s[n]);
	if (n < 1 || n > max || s[n] != sep)
		return NULL;
	return sep ? s + n + 1 : s + n;
}

/* The reference: 0 and the canonical form in @out, or -1. */
static int reference(const char *in, char *out, size_t outlen)
{
	unsigned int dom = 0, bus, dev, fn;
	const char *s;

	/* A long run of digits could wrap *v: the length check rejects it. */
	if ((s = field(in, 4, ':', &dom)) && (s = field(s, 2, ':', &bus)) &&
	    (s = field(s, 2, '.', &dev)) && field(s, 1, 0, &fn)) {
		/* DOM:BUS:DEV.FN */
	} else if ((s = field(in, 2, ':', &bus)) &&
		   (s = field(s, 2, '.', &dev)) && field(s, 1, 0, &fn)) {
		dom = 0;
	} else {
		return -1;
	}
	if (dev > 0x1f || fn > 7)
		return -1;
	snprintf(out, outlen, "%04x:%02x:%02x.%x", dom, bus, dev, fn);
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
	if (rc != rrc)
		FAIL("\"%s\" %s, the reference %s (as \"%s\")", in,
		     rc ? "rejected" : "accepted",
		     rrc ? "rejects it" : "accepts it",
		     rc ? ref : out);
	if (rc == 0 && strcmp(out, ref))
		FAIL("\"%s\" gave \"%s\", the reference \"%s\"", in, out, ref);
	free(in);
	free(out);
	free(again);
	return 0;
}

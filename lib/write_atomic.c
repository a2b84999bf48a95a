// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "write_atomic.h"

int write_atomic(const char *path, void (*fill)(FILE *, void *), void *arg,
		 struct bb_err *e)
{
	char tmp[4096];
	FILE *f;
	int bad;

	if (!strcmp(path, "-")) {
		fill(stdout, arg);
		if (fflush(stdout) || ferror(stdout))
			return bb_fail(e, BB_ERR_OUTPUT, "cannot write the "
				       "results to standard output: %s",
				       strerror(errno ? errno : EIO));
		return 0;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid());
	f = fopen(tmp, "w");
	if (!f)
		return bb_fail(e, BB_ERR_OUTPUT, "cannot create %s: %s", tmp,
			       strerror(errno));
	fill(f, arg);
	/* A full disk shows up here, at the latest at fsync or fclose. */
	bad = ferror(f) | fflush(f) | fsync(fileno(f));
	bad |= fclose(f);
	if (bad || rename(tmp, path)) {
		int saved = errno;

		unlink(tmp);
		return bb_fail(e, BB_ERR_OUTPUT, "cannot write %s: %s (earlier "
			       "contents left as they were)", path,
			       strerror(saved));
	}
	return 0;
}

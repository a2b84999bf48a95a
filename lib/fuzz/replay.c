// SPDX-License-Identifier: GPL-2.0
/*
 * A main() for the fuzz targets without libFuzzer: run
 * LLVMFuzzerTestOneInput() over every file named, or every file in a named
 * folder (not recursively, dotfiles skipped), each in a child process so a
 * crash, sanitizer report or abort() fails that input alone.  Built with
 * gcc -fsanitize=address,undefined it replays the corpus and the kept
 * crashers as a regression test (lib/fuzz/run --replay).
 *
 * Usage: replay [-n NAME] [-t SECONDS] FILE|DIR...
 * Prints "PASS|FAIL file" per input and "NAME: X ok, Y failed" (not the
 * "passed, failed" form: lib/fuzz/run sums the targets into that).
 * Exits 1 if any input failed, 2 on a usage or I/O error.
 * REPLAY_NOFORK=1 runs inputs in-process (for a debugger).
 */
#ifndef _GNU_SOURCE
#define _POSIX_C_SOURCE 200809L	/* getopt, fork, alarm outside gnu11 */
#endif
#include <dirent.h>
#include <signal.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "parse_num.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int ok, failed, io_errors, nofork;
static unsigned int timeout_s = 25;

/* The whole file in a buffer of exactly its size, so ASan sees over-reads. */
static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t cap = 0, n = 0;

	if (!f)
		return NULL;
	for (;;) {
		size_t r;

		if (n == cap) {
			uint8_t *b = realloc(buf, cap ? cap * 2 : 4096);

			if (!b)
				goto fail;
			buf = b;
			cap = cap ? cap * 2 : 4096;
		}
		r = fread(buf + n, 1, cap - n, f);
		n += r;
		if (r == 0)
			break;
	}
	if (ferror(f))
		goto fail;
	fclose(f);
	{
		uint8_t *exact = malloc(n ? n : 1);

		if (!exact) {
			free(buf);
			return NULL;
		}
		memcpy(exact, buf, n);
		free(buf);
		*len = n;
		return exact;
	}
fail:
	fclose(f);
	free(buf);
	return NULL;
}

static void run_one(const char *path)
{
	uint8_t *data;
	size_t len;
	pid_t pid;
	int status;

	data = slurp(path, &len);
	if (!data) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		io_errors++;
		failed++;
		return;
	}
	fflush(NULL);
	if (nofork) {
		LLVMFuzzerTestOneInput(data, len);
		free(data);
		ok++;
		printf("PASS %s\n", path);
		return;
	}
	pid = fork();
	if (pid < 0) {
		perror("replay: fork");
		exit(2);
	}
	if (pid == 0) {
		alarm(timeout_s);	/* a hang fails the input too */
		LLVMFuzzerTestOneInput(data, len);
		free(data);
		exit(0);		/* exit, not _exit: LSan runs */
	}
	free(data);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			perror("replay: waitpid");
			exit(2);
		}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		ok++;
		printf("PASS %s\n", path);
	} else {
		failed++;
		if (WIFSIGNALED(status))
			printf("FAIL %s (signal %d%s)\n", path,
			       WTERMSIG(status),
			       WTERMSIG(status) == SIGALRM ? ", timeout" : "");
		else
			printf("FAIL %s (exit status %d)\n", path,
			       WEXITSTATUS(status));
	}
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void run_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0, len;

	if (!d) {
		fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
		io_errors++;
		return;
	}
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			names = realloc(names, cap * sizeof(*names));
			if (!names)
				abort();
		}
		len = strlen(dir) + strlen(e->d_name) + 2;
		names[n] = malloc(len);
		if (!names[n])
			abort();
		snprintf(names[n], len, "%s/%s", dir, e->d_name);
		n++;
	}
	closedir(d);
	qsort(names, n, sizeof(*names), by_name);	/* a stable order */
	for (size_t i = 0; i < n; i++) {
		struct stat st;

		if (!stat(names[i], &st) && S_ISREG(st.st_mode))
			run_one(names[i]);
		free(names[i]);
	}
	free(names);
}

int main(int argc, char **argv)
{
	const char *name = "replay";
	uint64_t t;
	int c;

	while ((c = getopt(argc, argv, "n:t:")) != -1) {
		switch (c) {
		case 'n':
			name = optarg;
			break;
		case 't':
			/* 0: no alarm at all (alarm(0) sets none) */
			if (parse_u64(optarg, 86400, &t))
				goto usage;
			timeout_s = (unsigned int)t;
			break;
		default:
			goto usage;
		}
	}
	if (optind == argc)
		goto usage;
	nofork = getenv("REPLAY_NOFORK") != NULL;
	for (int i = optind; i < argc; i++) {
		struct stat st;

		if (stat(argv[i], &st)) {
			fprintf(stderr, "replay: %s: %s\n", argv[i],
				strerror(errno));
			io_errors++;
		} else if (S_ISDIR(st.st_mode)) {
			run_dir(argv[i]);
		} else {
			run_one(argv[i]);
		}
	}
	printf("%s: %d ok, %d failed\n", name, ok, failed);
	return io_errors ? 2 : failed ? 1 : 0;
usage:
	fprintf(stderr, "usage: %s [-n NAME] [-t SECONDS] FILE|DIR...\n",
		argv[0]);
	return 2;
}

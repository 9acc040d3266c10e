/* Shared set-up of the SMMUv3 host tests: a model at QEMU virt's SMMU address, a driver
 * instance over it, and capture of what the driver prints. */
#ifndef SMMU_TEST_UTIL_H
#define SMMU_TEST_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "smmu_model.h"
#include "vireo/smmu.h"

#define SMMU_TEST_BASE 0x9050000u
#define SMMU_TEST_TIMEOUT_NS (20ull * 1000 * 1000) /* for the tests that wait on purpose */

struct smmu_fixture {
	struct smmu_model model;
	struct smmu *smmu;
};

static inline struct smmu_fixture *smmu_fixture_new(void)
{
	struct smmu_fixture *f = calloc(1, sizeof(*f));

	smmu_model_init(&f->model, SMMU_TEST_BASE);
	return f;
}

static inline void smmu_fixture_free(struct smmu_fixture *f)
{
	if (f->smmu != NULL) {
		smmu_remove(f->smmu);
	}
	smmu_model_destroy(&f->model);
	free(f);
}

/* ---- stdout capture: what the driver prints, for checking messages ---- */

struct capture {
	FILE *file;
	int saved;
};

static inline void capture_start(struct capture *c)
{
	fflush(stdout);
	c->file = tmpfile();
	c->saved = dup(fileno(stdout));
	dup2(fileno(c->file), fileno(stdout));
}

/** Stop capturing; returns what was printed (malloc'd, NUL-terminated). */
static inline char *capture_end(struct capture *c)
{
	long n;
	char *text;

	fflush(stdout);
	dup2(c->saved, fileno(stdout));
	close(c->saved);
	n = ftell(c->file);
	text = calloc(1, (size_t)n + 1);
	rewind(c->file);
	if (fread(text, 1, (size_t)n, c->file) != (size_t)n) {
		text[0] = '\0';
	}
	fclose(c->file);
	return text;
}

/** How many times needle occurs in text. */
static inline unsigned count_of(const char *text, const char *needle)
{
	unsigned n = 0;

	for (const char *p = strstr(text, needle); p != NULL; p = strstr(p + 1, needle)) {
		n++;
	}
	return n;
}

#endif

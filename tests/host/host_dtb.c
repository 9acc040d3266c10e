/* Loading the test DTBs (see host_dtb.h). */
#include <stdio.h>
#include <stdlib.h>

#include <libfdt.h>

#include "vireo/dt.h"

#include "host_dtb.h"

/** The whole file at path in a buffer of exactly its size, or NULL. */
static void *read_file(const char *path, long *len)
{
	FILE *f = fopen(path, "rb");
	void *buf = NULL;

	if (f == NULL) {
		return NULL;
	}
	if (fseek(f, 0, SEEK_END) == 0 && (*len = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)*len);
	}
	if (buf != NULL && fread(buf, 1, (size_t)*len, f) != (size_t)*len) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

void *host_dtb_load(const char *name)
{
	const char *dir = getenv("VIREO_DTB_DIR");
	char path[512];
	long len = 0;
	void *fdt;

	snprintf(path, sizeof(path), "%s/%s.dtb", dir != NULL ? dir : "build/host/dtb", name);
	fdt = read_file(path, &len);
	if (fdt == NULL || dt_check(fdt, (size_t)len) != 0) {
		fprintf(stderr, "%s: missing or not a DTB (make %s)\n", path, path);
		free(fdt);
		return NULL;
	}
	return fdt;
}

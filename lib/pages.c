/* The page allocator the drivers and the DMA layer call (vireo/mem.h), over the firmware's
 * page_alloc. An image with an allocator of its own (the vireo image: boot/mem.c) defines
 * these four itself, and this file is then not linked from the archive. */
#include <string.h>

#include "lib_priv.h"
#include "vireo/mem.h"

void *page_alloc(size_t size, size_t align)
{
	const struct vireo_env *env = vireo_env();
	void *p;

	if (env == NULL || size == 0) {
		return NULL;
	}
	p = env->page_alloc(env->ctx, size, align < PAGE_SIZE ? PAGE_SIZE : align);
	if (p != NULL) {
		memset(p, 0, size);
	}
	return p;
}

void page_free(void *p, size_t size)
{
	const struct vireo_env *env = vireo_env();

	if (env != NULL && p != NULL) {
		env->page_free(env->ctx, p, size);
	}
}

void *page_alloc_nc(size_t size, size_t align)
{
	const struct vireo_env *env = vireo_env();
	void *p;

	if (env == NULL || env->page_alloc_nc == NULL || size == 0) {
		return NULL;
	}
	p = env->page_alloc_nc(env->ctx, size, align < PAGE_SIZE ? PAGE_SIZE : align);
	if (p != NULL) {
		memset(p, 0, size);
	}
	return p;
}

void page_free_nc(void *p, size_t size)
{
	const struct vireo_env *env = vireo_env();

	if (env != NULL && env->page_free_nc != NULL && p != NULL) {
		env->page_free_nc(env->ctx, p, size);
	}
}

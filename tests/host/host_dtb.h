/* Host tests: the DTBs the Makefile compiles from tests/host/dts/ into $VIREO_DTB_DIR. */
#ifndef TESTS_HOST_DTB_H
#define TESTS_HOST_DTB_H

/** tests/host/dts/<name>.dts as a DTB checked by libfdt, in malloc()ed memory, or NULL with a
 *  message on stderr. */
void *host_dtb_load(const char *name);

#endif

/* vireo-probe's parts (tools/). */
#ifndef TOOLS_PROBE_PRIV_H
#define TOOLS_PROBE_PRIV_H

#include <stddef.h>

struct bootopts;

/** One `refused.N=<path>: <why>` line (node -1: no node). */
void probe_refuse(const void *fdt, int node, const char *why);
/** node's full path, or "?". */
void probe_node_path(const void *fdt, int node, char *buf, size_t len);

/* probe_devices.c */
/** gic.*, gic.its.*, gic.v2m.* and timer.* lines. */
void probe_print_gic(const void *fdt);
/** smmu.N.* lines. */
void probe_print_smmus(const void *fdt);
/** virtio.N.* lines, with the backend the policy picks for a legacy and for a modern
 *  (VERSION_1 + ACCESS_PLATFORM) device under the given boot options. */
void probe_print_virtio(const void *fdt, const struct bootopts *opts);

#endif

/* The DMA backend selection policy: one pure function over the device's offered features and the
 * platform facts (../shared/DESIGN.md §2, the policy table). */
#ifndef VIREO_DMA_POLICY_H
#define VIREO_DMA_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include "vireo/dma.h"

struct dma_policy_in {
	/* What the device offers. */
	bool version_1;
	bool access_platform;
	/* Platform facts. */
	bool protected_guest;	/* the platform hook says memory is private by default */
	bool force_bounce;	/* boot option dma=bounce */
	bool restricted_pool;	/* memory-region points at a restricted-dma-pool */
	bool behind_iommu;	/* iommus / iommu-map names an IOMMU for this device */
	bool iommu_up;		/* ... and that IOMMU's driver is running */
	const char *iommu_name; /* e.g. "smmuv3@9050000" */
	bool coherent;		/* dma-coherent */
	bool dma_ranges;	/* dma-ranges translate addresses */
	/* Which backends this image has. */
	bool have_iommu_backend;
	bool have_bounce_backend;
};

struct dma_policy_out {
	enum dma_backend backend;    /* DMA_BACKEND_NONE: refuse to bind */
	bool coherent;		     /* treat the device as coherent */
	bool stream_bypass;	     /* set the device's IOMMU stream to bypass */
	bool accept_access_platform; /* the driver accepts ACCESS_PLATFORM */
	char reason[96];
};

/** Choose a backend. Pure: no globals, no side effects. */
void dma_policy_choose(const struct dma_policy_in *in, struct dma_policy_out *out);

#endif

/* The DMA backend selection policy (../shared/DESIGN.md §2, the policy table). Pure: the same
 * inputs always give the same backend and reason. */
#include <stdio.h>
#include <string.h>

#include "vireo/dma_policy.h"

static void choose(struct dma_policy_out *out, enum dma_backend b, const char *reason)
{
	out->backend = b;
	snprintf(out->reason, sizeof(out->reason), "%s", reason);
}

/* A legacy device's 32-bit feature word cannot carry ACCESS_PLATFORM: it always uses physical
 * addresses, so it gets coherent direct DMA and its IOMMU stream bypasses translation. */
static void choose_legacy(const struct dma_policy_in *in, struct dma_policy_out *out)
{
	out->coherent = true;
	out->stream_bypass = in->behind_iommu;
	choose(out, DMA_BACKEND_DIRECT,
	       in->behind_iommu ? "legacy device: bypasses IOMMU"
				: "legacy device: coherent direct");
}

static void choose_no_access_platform(const struct dma_policy_in *in, struct dma_policy_out *out)
{
	if (in->protected_guest) {
		choose(out, DMA_BACKEND_NONE,
		       "no ACCESS_PLATFORM: device would see private memory");
		return;
	}
	out->stream_bypass = in->behind_iommu;
	choose(out, DMA_BACKEND_DIRECT, "no ACCESS_PLATFORM");
}

static const char *bounce_cause(const struct dma_policy_in *in)
{
	if (in->protected_guest) {
		return "protected guest";
	}
	if (in->force_bounce) {
		return "dma=bounce";
	}
	return "restricted-dma-pool";
}

static void choose_bounce(const struct dma_policy_in *in, struct dma_policy_out *out)
{
	char reason[sizeof(out->reason)];

	if (!in->have_bounce_backend) {
		snprintf(reason, sizeof(reason), "%s: bounce backend not built yet",
			 bounce_cause(in));
		choose(out, DMA_BACKEND_NONE, reason);
		return;
	}
	choose(out, DMA_BACKEND_BOUNCE, bounce_cause(in));
}

static void choose_iommu(const struct dma_policy_in *in, struct dma_policy_out *out)
{
	const char *name = in->iommu_name != NULL ? in->iommu_name : "an IOMMU";
	char reason[sizeof(out->reason)];

	if (!in->have_iommu_backend) {
		snprintf(reason, sizeof(reason), "behind %s: iommu backend not built yet", name);
		choose(out, DMA_BACKEND_NONE, reason);
	} else if (!in->iommu_up) {
		snprintf(reason, sizeof(reason), "behind %s: its driver is not up", name);
		choose(out, DMA_BACKEND_NONE, reason);
	} else {
		snprintf(reason, sizeof(reason), "behind %s", name);
		choose(out, DMA_BACKEND_IOMMU, reason);
	}
}

static void choose_direct(const struct dma_policy_in *in, struct dma_policy_out *out)
{
	char reason[sizeof(out->reason)];

	snprintf(reason, sizeof(reason), "ACCESS_PLATFORM, no IOMMU%s%s",
		 in->dma_ranges ? ", dma-ranges" : "",
		 in->coherent ? "" : ", not coherent: cache maintenance");
	choose(out, DMA_BACKEND_DIRECT, reason);
}

void dma_policy_choose(const struct dma_policy_in *in, struct dma_policy_out *out)
{
	memset(out, 0, sizeof(*out));
	out->coherent = in->coherent;
	if (!in->version_1) {
		choose_legacy(in, out);
		return;
	}
	if (!in->access_platform) {
		choose_no_access_platform(in, out);
		return;
	}
	out->accept_access_platform = true;
	if (in->protected_guest || in->force_bounce || in->restricted_pool) {
		choose_bounce(in, out);
	} else if (in->behind_iommu) {
		choose_iommu(in, out);
	} else {
		choose_direct(in, out);
	}
}

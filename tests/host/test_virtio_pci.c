/* virtio-blk over virtio-pci, modern, legacy and transitional, found by pci_probe_all() on the
 * PCI host model and driven by the unchanged blk driver, against the devmodel RAM disk behind
 * the virtio-pci device model (both written from the specs, not from the driver). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libfdt.h>

#include "arch/fake_irq.h"
#include "arch/irq.h"
#include "devmodel.h"
#include "pci_model.h"
#include "vireo/pci.h"
#include "vireo/virtio.h"
#include "vireo/virtio_blk.h"
#include "vireo/virtio_pci.h"
#include "vireo/virtio_reg.h"

#if UINTPTR_MAX > UINT32_MAX
/* QEMU virt's layout (high ECAM, a 64-bit window) at fake CPU addresses nothing else uses. */
#define FAKE 0xffff800000000000ull
#define ECAM_CPU (FAKE + 0x4010000000ull)
#define ECAM_BUSES 256
#define HOST_64BIT 1
#else
/* A 32-bit host (-m32) reaches 4 GiB, as a 32-bit guest does: QEMU virt's highmem=off layout
 * (ECAM at 0x3f000000, 16 buses, no 64-bit window), moved up by FAKE. */
#define FAKE 0x80000000ull
#define ECAM_CPU (FAKE + 0x3f000000ull)
#define ECAM_BUSES 16
#define HOST_64BIT 0
#endif
#define MEM64_PCI 0x8000000000ull
#define SECTOR 512u
#define CAPACITY 256u
#define TIMEOUT_NS (100ull * 1000 * 1000)
#define MAX_DEVS 4

struct rig {
	struct pcm_config cfg;
	struct pcm *m;
	void *fdt;
	struct pcm_virtio *v[MAX_DEVS];
	unsigned count;
	int added;
};

static void rig_config(struct rig *r)
{
	memset(r, 0, sizeof(*r));
	r->cfg.ecam = (uintptr_t)ECAM_CPU;
	r->cfg.bus_count = ECAM_BUSES;
	r->cfg.window[PCM_IO] = (struct pcm_window){ FAKE + 0x3eff0000ull, 0, 0x10000 };
	r->cfg.window[PCM_MEM] =
		(struct pcm_window){ FAKE + 0x10000000ull, 0x10000000, 0x2eff0000 };
	if (HOST_64BIT) {
		r->cfg.window[PCM_MEM64] =
			(struct pcm_window){ FAKE + MEM64_PCI, MEM64_PCI, MEM64_PCI };
	}
}

static void rig_create(struct rig *r, unsigned fdt_flags)
{
	r->m = pcm_create(&r->cfg);
	assert_non_null(r->m);
	r->fdt = pcm_fdt_create(&r->cfg, fdt_flags);
	assert_non_null(r->fdt);
}

static void fill_random(uint8_t *p, size_t n, unsigned seed)
{
	srand(seed);
	for (size_t i = 0; i < n; i++) {
		p[i] = (uint8_t)rand();
	}
}

static struct pcm_virtio *add_blk_cfg(struct rig *r, const struct pcm_virtio_config *c)
{
	struct devmodel_blk_config blk = { .capacity = CAPACITY, .flush = true, .seg_max = 126 };
	struct pcm_virtio *v;
	size_t size;
	uint8_t *disk;

	v = pcm_virtio_blk_create(r->m, c, &blk);
	assert_non_null(v);
	disk = devmodel_blk_disk(pcm_virtio_devmodel(v), &size);
	fill_random(disk, size, 1000 + r->count);
	r->v[r->count++] = v;
	return v;
}

static struct pcm_virtio *add_blk(struct rig *r, enum pcm_virtio_kind kind, struct pcm_fn *bridge,
				  unsigned dev, enum pcm_virtio_fault fault)
{
	struct pcm_virtio_config c = { .kind = kind, .bridge = bridge, .dev = dev, .fault = fault };

	return add_blk_cfg(r, &c);
}

static void rig_probe(struct rig *r)
{
	r->added = pci_probe_all(r->fdt, TIMEOUT_NS);
}

static struct devmodel *dm_of(struct rig *r, unsigned i)
{
	return pcm_virtio_devmodel(r->v[i]);
}

/** Unbind and free every virtio device made of a PCI function, then the models. */
static void rig_down(struct rig *r)
{
	for (const struct pci_func *f = pci_first(); f != NULL; f = f->next) {
		struct virtio_device *vdev = f->vdev;

		if (vdev == NULL) {
			continue;
		}
		virtio_irq_detach(vdev);
		if (vdev->driver_priv != NULL) {
			vblk_remove(vdev->driver_priv);
		}
		virtio_list_remove(vdev);
		virtio_pci_destroy(vdev);
	}
	pci_forget_all();
	assert_int_equal(pcm_violations(r->m), 0);
	assert_int_equal(pcm_unclaimed(r->m), 0);
	for (unsigned i = 0; i < r->count; i++) {
		pcm_virtio_destroy(r->v[i]);
	}
	pcm_destroy(r->m);
	free(r->fdt);
}

static const struct pci_func *find(const char *name)
{
	for (const struct pci_func *f = pci_first(); f != NULL; f = f->next) {
		if (strcmp(f->name, name) == 0) {
			return f;
		}
	}
	return NULL;
}

static struct vblk *blk_at(const char *bdf)
{
	const struct pci_func *f = find(bdf);

	assert_non_null(f);
	assert_non_null(f->vdev);
	assert_non_null(f->vdev->driver_priv);
	return f->vdev->driver_priv;
}

static void read_matches_disk(struct vblk *b, struct devmodel *dm, uint64_t lba, uint32_t count)
{
	uint8_t *buf = malloc((size_t)count * SECTOR);

	assert_int_equal(vblk_read(b, lba, count, buf), 0);
	assert_memory_equal(buf, devmodel_blk_disk(dm, NULL) + lba * SECTOR,
			    (size_t)count * SECTOR);
	free(buf);
}

static void write_lands_on_disk(struct vblk *b, struct devmodel *dm, uint64_t lba, uint32_t count)
{
	uint8_t *buf = malloc((size_t)count * SECTOR);

	fill_random(buf, (size_t)count * SECTOR, (unsigned)lba);
	assert_int_equal(vblk_write(b, lba, count, buf), 0);
	assert_memory_equal(devmodel_blk_disk(dm, NULL) + lba * SECTOR, buf,
			    (size_t)count * SECTOR);
	free(buf);
}

static void io_works(const char *bdf, struct devmodel *dm)
{
	struct vblk *b = blk_at(bdf);
	struct vblk_info info;

	vblk_get_info(b, &info);
	assert_int_equal(info.capacity, CAPACITY);
	read_matches_disk(b, dm, 0, 1);
	read_matches_disk(b, dm, 7, 70);
	write_lands_on_disk(b, dm, 100, 9);
	assert_int_equal(vblk_flush(b), 0);
	assert_int_equal(devmodel_violations(dm), 0);
}

/* ---------------------------------------------------------------- the three interfaces */

static void test_a_modern_device_binds_and_moves_data(void **state)
{
	struct rig r;
	const struct pci_func *f;

	rig_config(&r);
	rig_create(&r, PCM_FDT_NO_IOMMU);
	add_blk(&r, PCM_VIRTIO_MODERN, NULL, 2, PCM_VIRTIO_FAULT_NONE);
	rig_probe(&r);
	assert_int_equal(r.added, 1);
	f = find("00:02.0");
	assert_int_equal(f->device, 0x1042);
	assert_false(f->vdev->legacy);
	assert_int_equal(f->vdev->device_id, VIRTIO_ID_BLOCK);
	assert_string_equal(f->vdev->transport_name, "pci@00:02.0");
	assert_true(virtio_has(f->vdev, VIRTIO_F_VERSION_1));
	/* A 64-bit BAR goes to the 64-bit window where the host has one (not on a 32-bit one). */
	assert_true(HOST_64BIT ? f->bar[4].bus_addr >= MEM64_PCI
			       : f->bar[4].bus_addr < (1ull << 32));
	io_works("00:02.0", dm_of(&r, 0));
	assert_int_equal(pcm_command(pcm_virtio_fn(r.v[0])) & PCI_COMMAND_IO, 0);
	rig_down(&r);
}

/* The packed ring over the modern interface (queue_desc, queue_driver and queue_device are
 * the descriptor ring and the two event suppression areas, §4.1.4.3): hundreds of requests
 * round a 16-entry ring; a legacy device cannot offer it (32 feature bits) and stays split. */
static void test_packed_rings_over_pci_modern_and_transitional_and_split_over_legacy(void **s)
{
	static const enum pcm_virtio_kind kinds[] = { PCM_VIRTIO_MODERN, PCM_VIRTIO_TRANSITIONAL,
						      PCM_VIRTIO_LEGACY };

	(void)s;
	for (unsigned k = 0; k < 3; k++) {
		struct pcm_virtio_config c = { .kind = kinds[k],
					       .dev = 2,
					       .dm = { .ring_packed = true, .queue_num_max = 16 } };
		const struct pci_func *f;
		struct rig r;

		rig_config(&r);
		rig_create(&r, PCM_FDT_NO_IOMMU);
		add_blk_cfg(&r, &c);
		rig_probe(&r);
		f = find("00:02.0");
		assert_non_null(f);
		assert_non_null(f->vdev);
		assert_int_equal(virtio_has(f->vdev, VIRTIO_F_RING_PACKED),
				 kinds[k] != PCM_VIRTIO_LEGACY);
		io_works("00:02.0", dm_of(&r, 0));
		for (unsigned i = 0; i < 300; i++) {
			uint32_t count = 1 + i % 9;
			uint64_t lba = (i * 37u) % (CAPACITY - count);

			if (i % 3 == 0) {
				write_lands_on_disk(blk_at("00:02.0"), dm_of(&r, 0), lba, count);
			} else {
				read_matches_disk(blk_at("00:02.0"), dm_of(&r, 0), lba, count);
			}
		}
		assert_int_equal(devmodel_violations(dm_of(&r, 0)), 0);
		rig_down(&r);
	}
}

static void test_a_legacy_device_binds_through_its_io_bar(void **state)
{
	struct rig r;
	const struct pci_func *f;

	rig_config(&r);
	rig_create(&r, PCM_FDT_NO_IOMMU);
	add_blk(&r, PCM_VIRTIO_LEGACY, NULL, 3, PCM_VIRTIO_FAULT_NONE);
	rig_probe(&r);
	f = find("00:03.0");
	assert_int_equal(f->device, 0x1001);
	assert_true(f->vdev->legacy);
	assert_int_equal(f->vdev->device_id, VIRTIO_ID_BLOCK);
	assert_false(virtio_has(f->vdev, VIRTIO_F_VERSION_1));
	io_works("00:03.0", dm_of(&r, 0));
	assert_int_equal(pcm_command(pcm_virtio_fn(r.v[0])) & PCI_COMMAND_MEMORY, 0);
	rig_down(&r);
}

static void test_a_transitional_device_is_driven_through_the_modern_interface(void **state)
{
	struct rig r;
	const struct pci_func *f;

	rig_config(&r);
	rig_create(&r, PCM_FDT_NO_IOMMU);
	add_blk(&r, PCM_VIRTIO_TRANSITIONAL, NULL, 1, PCM_VIRTIO_FAULT_NONE);
	rig_probe(&r);
	f = find("00:01.0");
	assert_int_equal(f->device, 0x1001);
	assert_true(f->bar[0].assigned); /* the legacy BAR is placed, just not used */
	assert_false(f->vdev->legacy);
	io_works("00:01.0", dm_of(&r, 0));
	assert_int_equal(pcm_virtio_legacy_accesses(r.v[0]), 0);
	rig_down(&r);
}

static void test_a_device_behind_a_root_port_works(void **state)
{
	struct rig r;
	struct pcm_fn *rp;
	const struct pci_func *f;

	rig_config(&r);
	rig_create(&r, 0);
	rp = pcm_add_bridge(r.m, NULL, 1, 0, 0x1b36, 0x000c, PCM_BRIDGE_PCIE_ROOT);
	add_blk(&r, PCM_VIRTIO_MODERN, rp, 0, PCM_VIRTIO_FAULT_NONE);
	rig_probe(&r);
	f = find("01:00.0");
	assert_string_equal(f->vdev->transport_name, "pci@01:00.0");
	/* INTA of 01:00.0 reaches the root port (slot 1) as INTA: SPI 3 + 1 = 4, id 36. */
	assert_int_equal(f->vdev->plat.irq, 36);
	assert_true(f->vdev->plat.behind_iommu);
	assert_int_equal(f->vdev->plat.stream_id, 0x100);
	assert_string_equal(f->vdev->plat.iommu_name, "smmuv3@9050000");
	assert_true(f->vdev->plat.coherent);
	io_works("01:00.0", dm_of(&r, 0));
	rig_down(&r);
}

static void test_two_devices_on_one_bus_keep_to_their_own_disks(void **state)
{
	struct rig r;
	uint8_t buf[SECTOR];

	rig_config(&r);
	rig_create(&r, PCM_FDT_NO_IOMMU);
	add_blk(&r, PCM_VIRTIO_MODERN, NULL, 2, PCM_VIRTIO_FAULT_NONE);
	add_blk(&r, PCM_VIRTIO_LEGACY, NULL, 3, PCM_VIRTIO_FAULT_NONE);
	rig_probe(&r);
	assert_int_equal(r.added, 2);
	io_works("00:02.0", dm_of(&r, 0));
	io_works("00:03.0", dm_of(&r, 1));
	memset(buf, 0x5a, sizeof(buf));
	assert_int_equal(vblk_write(blk_at("00:02.0"), 3, 1, buf), 0);
	assert_memory_not_equal(devmodel_blk_disk(dm_of(&r, 1), NULL) + 3 * SECTOR, buf, SECTOR);
	rig_down(&r);
}

static void test_highmem_off_puts_the_modern_bar_below_4g(void **state)
{
	struct rig r;
	const struct pci_func *f;

	rig_config(&r);
	r.cfg.ecam = (uintptr_t)(FAKE + 0x3f000000ull);
	r.cfg.bus_count = 16;
	r.cfg.window[PCM_MEM64].size = 0;
	rig_create(&r, PCM_FDT_NO_IOMMU);
	add_blk(&r, PCM_VIRTIO_TRANSITIONAL, NULL, 1, PCM_VIRTIO_FAULT_NONE);
	rig_probe(&r);
	f = find("00:01.0");
	assert_true(f->bar[4].bus_addr < (1ull << 32));
	io_works("00:01.0", dm_of(&r, 0));
	rig_down(&r);
}

/* ---------------------------------------------------------------- bus mastering */

static void test_bus_mastering_follows_driver_ok_and_reset(void **state)
{
	struct rig r;
	struct pcm_fn *fn;
	const struct pci_func *f;

	rig_config(&r);
	rig_create(&r, PCM_FDT_NO_IOMMU);
	add_blk(&r, PCM_VIRTIO_MODERN, NULL, 2, PCM_VIRTIO_FAULT_NONE);
	rig_probe(&r);
	fn = pcm_virtio_fn(r.v[0]);
	f = find("00:02.0");
	assert_true(pcm_dma_allowed(fn));
	vblk_remove(f->vdev->driver_priv);
	assert_false(pcm_dma_allowed(fn));
	rig_down(&r);
}

/* ---------------------------------------------------------------- hostile devices */

static void assert_skipped(struct rig *r, const char *bdf, unsigned model)
{
	const struct pci_func *f = find(bdf);

	assert_non_null(f);
	assert_null(f->vdev);
	assert_string_not_equal(f->skipped, "");
	assert_int_equal(pcm_command(pcm_virtio_fn(r->v[model])) &
				 (PCI_COMMAND_MEMORY | PCI_COMMAND_IO | PCI_COMMAND_MASTER),
			 0);
}

static void test_a_capability_outside_its_bar_skips_only_that_device(void **state)
{
	struct rig r;

	rig_config(&r);
	rig_create(&r, PCM_FDT_NO_IOMMU);
	add_blk(&r, PCM_VIRTIO_MODERN, NULL, 1, PCM_VIRTIO_FAULT_COMMON_OUTSIDE_BAR);
	add_blk(&r, PCM_VIRTIO_MODERN, NULL, 2, PCM_VIRTIO_FAULT_NONE);
	rig_probe(&r);
	assert_int_equal(r.added, 1);
	assert_skipped(&r, "00:01.0", 0);
	io_works("00:02.0", dm_of(&r, 1));
	rig_down(&r);
}

static void test_malformed_capability_lists_skip_the_device(void **state)
{
	static const enum pcm_virtio_fault faults[] = { PCM_VIRTIO_FAULT_CAP_TOO_SHORT,
							PCM_VIRTIO_FAULT_CAP_LOOP,
							PCM_VIRTIO_FAULT_CAP_RESERVED_BAR };

	for (unsigned i = 0; i < 3; i++) {
		struct rig r;

		rig_config(&r);
		rig_create(&r, PCM_FDT_NO_IOMMU);
		add_blk(&r, PCM_VIRTIO_MODERN, NULL, 1, faults[i]);
		rig_probe(&r);
		assert_int_equal(r.added, 0);
		assert_skipped(&r, "00:01.0", 0);
		rig_down(&r);
	}
}

static void test_a_notify_offset_outside_its_capability_fails_the_bind(void **state)
{
	struct rig r;
	const struct pci_func *f;

	rig_config(&r);
	rig_create(&r, PCM_FDT_NO_IOMMU);
	add_blk(&r, PCM_VIRTIO_MODERN, NULL, 1, PCM_VIRTIO_FAULT_NOTIFY_OFF_TOO_LARGE);
	rig_probe(&r);
	f = find("00:01.0");
	assert_non_null(f->vdev);
	assert_null(f->vdev->driver_priv);
	assert_string_equal(f->vdev->name, "");
	assert_int_equal(vblk_count(), 0);
	assert_false(pcm_dma_allowed(pcm_virtio_fn(r.v[0])));
	assert_int_equal(devmodel_stats(dm_of(&r, 0))->notifies, 0);
	rig_down(&r);
}

static void test_an_impossible_queue_size_is_refused(void **state)
{
	static const enum pcm_virtio_kind kinds[] = { PCM_VIRTIO_LEGACY, PCM_VIRTIO_MODERN };

	for (unsigned i = 0; i < 2; i++) {
		struct rig r;

		rig_config(&r);
		rig_create(&r, PCM_FDT_NO_IOMMU);
		add_blk(&r, kinds[i], NULL, 1, PCM_VIRTIO_FAULT_QUEUE_SIZE_HUGE);
		rig_probe(&r);
		assert_int_equal(vblk_count(), i == 0 ? 0 : 1);
		if (i == 1) {
			/* Modern: the driver writes a smaller size, as §4.1.4.3.2 allows. */
			io_works("00:01.0", dm_of(&r, 0));
		}
		rig_down(&r);
	}
}

static void test_an_unstable_config_generation_is_retried(void **state)
{
	struct rig r;
	struct vblk_info info;

	rig_config(&r);
	rig_create(&r, PCM_FDT_NO_IOMMU);
	add_blk(&r, PCM_VIRTIO_MODERN, NULL, 1, PCM_VIRTIO_FAULT_NONE);
	devmodel_set_knob(dm_of(&r, 0), DEVMODEL_KNOB_CONFIG_GENERATION_UNSTABLE, 3);
	rig_probe(&r);
	vblk_get_info(blk_at("00:01.0"), &info);
	assert_int_equal(info.capacity, CAPACITY);
	rig_down(&r);
}

/* ---------------------------------------------------------------- MSI-X */

#define V2M_FIRST 80u

/* A modern blk function with an MSI-X table of `vectors` entries on a host whose DT has a
 * GICv2m frame behind msi-map (and iommu-map unless behind_iommu is false). */
static struct pcm_virtio *msix_rig(struct rig *r, unsigned vectors, bool refuse, unsigned flags)
{
	struct pcm_virtio_config c = {
		.kind = PCM_VIRTIO_MODERN, .dev = 2, .msix_vectors = vectors, .msix_refuse = refuse
	};
	struct pcm_virtio *v;

	rig_config(r);
	rig_create(r, flags);
	fake_irq_reset();
	fake_irq_set_ready(true);
	fake_msi_set(fdt_path_offset(r->fdt, "/intc@8000000/v2m@8020000"), V2M_FIRST, 64);
	v = add_blk_cfg(r, &c);
	rig_probe(r);
	assert_int_equal(r->added, 1);
	return v;
}

static void msix_down(struct rig *r)
{
	rig_down(r);
	fake_irq_reset();
	fake_irq_set_ready(false);
}

static const char *source_name(unsigned intid)
{
	static struct arch_irq_info info[16];
	uint64_t spurious;
	unsigned n = arch_irq_stats(info, 16, &spurious);

	for (unsigned i = 0; i < n && i < 16; i++) {
		if (info[i].intid == intid) {
			return info[i].name;
		}
	}
	return "";
}

static void test_msix_vectors_are_programmed_and_survive_the_reset(void **state)
{
	struct rig r;
	struct pcm_virtio *v;
	const struct pci_func *f;

	(void)state;
	v = msix_rig(&r, 4, false, PCM_FDT_NO_IOMMU | PCM_FDT_MSI);
	f = find("00:02.0");
	assert_int_equal(f->vdev->irq_mode, VIRTIO_IRQ_MSIX);
	assert_true(pcm_virtio_msix_enabled(v));
	assert_true(pcm_command(pcm_virtio_fn(v)) & 0x400); /* INTx disabled */
	/* One queue: vector 0 for configuration changes, vector 1 for the queue. */
	for (unsigned i = 0; i < 2; i++) {
		const uint32_t *e = pcm_virtio_msix_entry(v, i);

		assert_int_equal(e[0], (uint32_t)FAKE_MSI_DOORBELL);
		assert_int_equal(e[1], 0);
		assert_int_equal(e[2], V2M_FIRST + i);
		assert_int_equal(e[3], 0); /* unmasked */
	}
	assert_int_equal(pcm_virtio_msix_entry(v, 2)[3], 1); /* unused entries stay masked */
	/* The core reset the device while binding; the vectors were given again after it. */
	assert_int_equal(pcm_virtio_config_vector(v), 0);
	assert_int_equal(pcm_virtio_queue_vector(v, 0), 1);
	assert_string_equal(source_name(V2M_FIRST), "blk0-config");
	assert_string_equal(source_name(V2M_FIRST + 1), "blk0-q0");
	read_matches_disk(blk_at("00:02.0"), dm_of(&r, 0), 0, 8);
	/* A configuration-change message reaches the core. */
	assert_true(fake_irq_raise(V2M_FIRST));
	assert_int_equal(f->vdev->config_changes, 1);
	msix_down(&r);
}

static void test_msix_refused_by_the_device_falls_back_to_intx(void **state)
{
	struct rig r;
	struct pcm_virtio *v;

	(void)state;
	v = msix_rig(&r, 4, true, PCM_FDT_NO_IOMMU | PCM_FDT_MSI);
	assert_int_equal(find("00:02.0")->vdev->irq_mode, VIRTIO_IRQ_INTX);
	assert_false(pcm_virtio_msix_enabled(v));
	read_matches_disk(blk_at("00:02.0"), dm_of(&r, 0), 0, 8);
	msix_down(&r);
}

static void test_msix_needs_two_vectors_an_msi_controller_and_no_iommu(void **state)
{
	static const struct {
		unsigned vectors, flags;
	} cases[] = {
		{ 1, PCM_FDT_NO_IOMMU | PCM_FDT_MSI }, /* one vector cannot tell config from I/O */
		{ 4, PCM_FDT_NO_IOMMU },	       /* no msi-map: nobody takes the messages */
		{ 4, PCM_FDT_MSI },		       /* the doorbell would need an SMMU mapping */
	};

	(void)state;
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct rig r;
		struct pcm_virtio *v = msix_rig(&r, cases[i].vectors, false, cases[i].flags);

		assert_int_equal(find("00:02.0")->vdev->irq_mode, VIRTIO_IRQ_INTX);
		assert_false(pcm_virtio_msix_enabled(v));
		msix_down(&r);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_modern_device_binds_and_moves_data),
		cmocka_unit_test(
			test_packed_rings_over_pci_modern_and_transitional_and_split_over_legacy),
		cmocka_unit_test(test_a_legacy_device_binds_through_its_io_bar),
		cmocka_unit_test(test_a_transitional_device_is_driven_through_the_modern_interface),
		cmocka_unit_test(test_a_device_behind_a_root_port_works),
		cmocka_unit_test(test_two_devices_on_one_bus_keep_to_their_own_disks),
		cmocka_unit_test(test_highmem_off_puts_the_modern_bar_below_4g),
		cmocka_unit_test(test_bus_mastering_follows_driver_ok_and_reset),
		cmocka_unit_test(test_a_capability_outside_its_bar_skips_only_that_device),
		cmocka_unit_test(test_malformed_capability_lists_skip_the_device),
		cmocka_unit_test(test_a_notify_offset_outside_its_capability_fails_the_bind),
		cmocka_unit_test(test_an_impossible_queue_size_is_refused),
		cmocka_unit_test(test_an_unstable_config_generation_is_retried),
		cmocka_unit_test(test_msix_vectors_are_programmed_and_survive_the_reset),
		cmocka_unit_test(test_msix_refused_by_the_device_falls_back_to_intx),
		cmocka_unit_test(test_msix_needs_two_vectors_an_msi_controller_and_no_iommu),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

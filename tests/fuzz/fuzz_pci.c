/* Surface 3: PCI enumeration over hostile config space. The board of pci_rig.h (bridges,
 * endpoints, a virtio function), then the input's records [function u8][register le16][value
 * u8] overwrite config bytes (header type, bus numbers, capability pointers, BAR flags...),
 * then pci_probe_all().
 *
 * Invariants: every assigned BAR is a power of two, naturally aligned, inside the host window of
 * its kind and inside every upstream bridge's window; no two assigned BARs of one space overlap;
 * a bridge's secondary bus is above its own and at most its subordinate; a function's name and
 * skip reason are terminated strings. */
#include <string.h>

#include "arch/fake_irq.h"
#include "fuzz.h"
#include "pci_rig.h"
#include "vireo/pci.h"

#define BARS_MAX 512

struct span {
	bool io;
	uint64_t base, size;
	const char *who;
};

static void check_bar(const struct pci_func *f, const struct pci_bar *b)
{
	uint64_t end = b->bus_addr + b->size;
	enum pci_pool pool = b->kind == PCI_BAR_IO ? PCI_POOL_IO
			     : b->prefetch	   ? PCI_POOL_PREF
						   : PCI_POOL_MEM;

	FZ_CHECK(b->size != 0 && (b->size & (b->size - 1)) == 0, "%s: BAR size %#llx", f->name,
		 (unsigned long long)b->size);
	FZ_CHECK((b->bus_addr & (b->size - 1)) == 0, "%s: BAR %#llx not aligned to %#llx", f->name,
		 (unsigned long long)b->bus_addr, (unsigned long long)b->size);
	FZ_CHECK(end > b->bus_addr, "%s: BAR wraps", f->name);
	if (b->kind == PCI_BAR_IO) {
		FZ_CHECK(end <= PR_IO_SIZE, "%s: I/O BAR outside the host window", f->name);
	} else {
		FZ_CHECK((b->bus_addr >= PR_MEM32_PCI && end <= PR_MEM32_PCI + PR_MEM32_SIZE) ||
				 (b->kind == PCI_BAR_MEM64 && b->bus_addr >= PR_MEM64_PCI &&
				  end <= 2 * PR_MEM64_PCI),
			 "%s: BAR %#llx+%#llx outside the host windows", f->name,
			 (unsigned long long)b->bus_addr, (unsigned long long)b->size);
	}
	for (const struct pci_func *p = f->parent; p != NULL; p = p->parent) {
		const struct pci_window *w = &p->window[pool];
		const struct pci_window *m = &p->window[PCI_POOL_MEM];
		bool in = pci_window_used(w) && b->bus_addr >= w->base && end - 1 <= w->limit;

		/* a prefetchable BAR may sit in the non-prefetchable window */
		if (!in && pool == PCI_POOL_PREF) {
			in = pci_window_used(m) && b->bus_addr >= m->base && end - 1 <= m->limit;
		}
		FZ_CHECK(in, "%s: BAR %#llx+%#llx outside bridge %s's window", f->name,
			 (unsigned long long)b->bus_addr, (unsigned long long)b->size, p->name);
	}
}

static void check_enumeration(void)
{
	static struct span spans[BARS_MAX];
	unsigned count = 0;

	for (const struct pci_func *f = pci_first(); f != NULL; f = f->next) {
		FZ_CHECK(memchr(f->name, 0, sizeof(f->name)) != NULL, "name not terminated");
		FZ_CHECK(memchr(f->skipped, 0, sizeof(f->skipped)) != NULL, "skip not terminated");
		if (f->header_type == PCI_HEADER_TYPE_BRIDGE && f->skipped[0] == '\0') {
			FZ_CHECK(f->secondary > f->bus && f->subordinate >= f->secondary,
				 "%s: bus %u secondary %u subordinate %u", f->name, f->bus,
				 f->secondary, f->subordinate);
		}
		for (unsigned i = 0; i < PCI_STD_NUM_BARS; i++) {
			const struct pci_bar *b = &f->bar[i];

			if (!b->assigned) {
				continue;
			}
			check_bar(f, b);
			for (unsigned j = 0; j < count; j++) {
				FZ_CHECK(spans[j].io != (b->kind == PCI_BAR_IO) ||
						 b->bus_addr + b->size <= spans[j].base ||
						 spans[j].base + spans[j].size <= b->bus_addr,
					 "%s BAR%u overlaps %s", f->name, i, spans[j].who);
			}
			if (count < BARS_MAX) {
				spans[count++] = (struct span){ b->kind == PCI_BAR_IO, b->bus_addr,
								b->size, f->name };
			}
		}
	}
}

/* Each poll of a waiting driver lets 100 us pass: timeouts end after ~10^4 polls. */
static void time_passes(void *ctx)
{
	fake_time_skip(100 * 1000);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz in = { data, size };
	struct pci_rig r;

	fake_set_wait_hook(time_passes, NULL);
	pci_rig_up(&r);
	while (!fz_empty(&in)) {
		struct pcm_fn *f = r.fn[fz_u8(&in) % PR_FNS];
		unsigned reg = fz_u16(&in) % 4096;

		pcm_poke8(f, reg, fz_u8(&in));
	}
	(void)pci_probe_all(r.fdt, 1000 * 1000);
	check_enumeration();
	pci_rig_down(&r);
	return 0;
}

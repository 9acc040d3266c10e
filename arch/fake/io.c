/* Host MMIO dispatch to registered device models, and the probing read. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "arch/fault.h"
#include "arch/io.h"

#define FAKE_IO_REGIONS 16

static struct fake_io_region regions[FAKE_IO_REGIONS];

int fake_io_register(const struct fake_io_region *region)
{
	for (unsigned i = 0; i < FAKE_IO_REGIONS; i++) {
		if (regions[i].size == 0) {
			regions[i] = *region;
			return 0;
		}
	}
	return -1;
}

void fake_io_unregister(uintptr_t base)
{
	for (unsigned i = 0; i < FAKE_IO_REGIONS; i++) {
		if (regions[i].size != 0 && regions[i].base == base) {
			memset(&regions[i], 0, sizeof(regions[i]));
		}
	}
}

static struct fake_io_region *find(uintptr_t addr)
{
	for (unsigned i = 0; i < FAKE_IO_REGIONS; i++) {
		struct fake_io_region *r = &regions[i];

		if (r->size != 0 && addr >= r->base && addr - r->base < r->size) {
			return r;
		}
	}
	return NULL;
}

uint64_t fake_io_read(uintptr_t addr, unsigned size)
{
	struct fake_io_region *r = find(addr);

	if (r != NULL) {
		return r->read(r->ctx, addr - r->base, size);
	}
	switch (size) {
	case 1:
		return *(volatile uint8_t *)addr;
	case 2:
		return *(volatile uint16_t *)addr;
	case 4:
		return *(volatile uint32_t *)addr;
	default:
		return *(volatile uint64_t *)addr;
	}
}

void fake_io_write(uintptr_t addr, unsigned size, uint64_t value)
{
	struct fake_io_region *r = find(addr);

	if (r != NULL) {
		r->write(r->ctx, addr - r->base, size, value);
		return;
	}
	switch (size) {
	case 1:
		*(volatile uint8_t *)addr = (uint8_t)value;
		break;
	case 2:
		*(volatile uint16_t *)addr = (uint16_t)value;
		break;
	case 4:
		*(volatile uint32_t *)addr = (uint32_t)value;
		break;
	default:
		*(volatile uint64_t *)addr = value;
		break;
	}
}

/* The host has no aborts to recover from: a probe reaches a registered model's window and
 * faults anywhere else (plain memory may not be there). */
int arch_probe_read32(paddr_t pa, uint32_t *val, struct arch_fault *fault)
{
	uintptr_t addr = (uintptr_t)pa_addr(pa);

	if (find(addr) == NULL) {
		snprintf(fault->what, sizeof(fault->what), "no device model at 0x%llx",
			 (unsigned long long)addr);
		return -EFAULT;
	}
	*val = (uint32_t)fake_io_read(addr, 4);
	return 0;
}

/* Internals of the PCI host model shared by pci_model.c (building, observations),
 * pci_model_cfg.c (configuration cycles) and pci_model_decode.c (memory and I/O decoding). */
#ifndef PCI_MODEL_PRIV_H
#define PCI_MODEL_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "pci_model.h"

/* Configuration header offsets, transcribed from §6.1 and bridge §3.2. */
#define CFG_BYTES 256
#define R_VENDOR 0x00
#define R_COMMAND 0x04
#define R_STATUS 0x06
#define R_REVISION 0x08
#define R_CLASS 0x09
#define R_HEADER 0x0e
#define R_BAR0 0x10
#define R_PRIMARY 0x18
#define R_SECONDARY 0x19
#define R_SUBORDINATE 0x1a
#define R_IO_BASE 0x1c
#define R_IO_LIMIT 0x1d
#define R_MEM_BASE 0x20
#define R_MEM_LIMIT 0x22
#define R_PREF_BASE 0x24
#define R_PREF_LIMIT 0x26
#define R_PREF_BASE_HI 0x28
#define R_PREF_LIMIT_HI 0x2c
#define R_IO_BASE_HI 0x30
#define R_IO_LIMIT_HI 0x32
#define R_SUBSYS_VENDOR 0x2c
#define R_CAP_PTR 0x34
#define R_INT_LINE 0x3c
#define R_INT_PIN 0x3d
#define R_BRIDGE_CONTROL 0x3e
#define CMD_IO 0x1u
#define CMD_MEM 0x2u
#define CMD_MASTER 0x4u
#define STATUS_CAP_LIST 0x10u
#define HEADER_MULTI 0x80u
#define FIRST_CAP 0x40
#define CAP_PCIE 0x10
#define PCIE_TYPE_ROOT_PORT 4

struct pcm_bar_impl {
	uint64_t size; /* 0: not implemented */
	unsigned flags;
	const struct pcm_bar_ops *ops;
	void *ctx;
};

struct pcm_fn {
	struct pcm *m;
	struct pcm_fn *parent;
	struct pcm_fn *next;
	unsigned dev;
	unsigned fn;
	bool bridge;
	unsigned bflags;
	uint8_t cfg[CFG_BYTES];
	uint8_t wmask[CFG_BYTES];
	struct pcm_bar_impl bar[6];
	unsigned cap_next; /* where the next capability goes */
	unsigned cap_last; /* offset of the last capability, 0 = none */
};

struct pcm_space_ctx {
	struct pcm *m;
	enum pcm_space space;
};

struct pcm {
	struct pcm_config cfg;
	struct pcm_fn *fns;
	struct pcm_space_ctx ctx[PCM_SPACE_COUNT];
	unsigned violations;
	unsigned unclaimed;
	char last[200];
	bool verbose;
};

static inline uint32_t get(const uint8_t *p, unsigned size)
{
	uint32_t v = 0;

	for (unsigned i = 0; i < size; i++) {
		v |= (uint32_t)p[i] << (8 * i);
	}
	return v;
}

static inline void put(uint8_t *p, unsigned size, uint32_t v)
{
	for (unsigned i = 0; i < size; i++) {
		p[i] = (uint8_t)(v >> (8 * i));
	}
}

static inline uint32_t cfg32(const struct pcm_fn *f, unsigned reg)
{
	return get(f->cfg + reg, 4);
}

static inline uint16_t cfg16(const struct pcm_fn *f, unsigned reg)
{
	return (uint16_t)get(f->cfg + reg, 2);
}

static inline uint64_t ones(unsigned size)
{
	return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

/* pci_model_cfg.c */
void pcm_violation(struct pcm *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
uint64_t pcm_ecam_read(void *ctx, uintptr_t off, unsigned size);
void pcm_ecam_write(void *ctx, uintptr_t off, unsigned size, uint64_t value);
/** BAR i is implemented and its space (memory or I/O) is enabled in the command register. */
bool pcm_bar_decodes(const struct pcm_fn *f, unsigned i);

/* pci_model_decode.c */
/** The bus address BAR i holds, flag bits cleared. */
uint64_t pcm_bar_base(const struct pcm_fn *f, unsigned i);
/** A bridge window from its registers; false when not implemented or closed. */
bool pcm_window_of(const struct pcm_fn *f, enum pcm_space s, uint64_t *base, uint64_t *limit);
uint64_t pcm_space_read(void *ctx, uintptr_t off, unsigned size);
void pcm_space_write(void *ctx, uintptr_t off, unsigned size, uint64_t value);

#endif

/* SMMUv3 layouts from the Arm System MMU Architecture Specification, version 3 (IHI 0070):
 * the register file (§6.3), the command and event records (§4, §7.3), the stream table
 * entry and its level-1 descriptor (§5.2), the context descriptor (§5.4) and the VMSAv8-64
 * stage-1 translation table descriptors the SMMU walks (Arm ARM D8.3). Field masks are
 * GENMASK-style; SMMU_FIELD() places a value in one, SMMU_FIELD_GET() takes it out. */
#ifndef SMMUV3_REG_H
#define SMMUV3_REG_H

#include <stdint.h>

#define SMMU_BIT(n) (1ull << (n))
#define SMMU_GENMASK(h, l) ((~0ull >> (63 - (h))) & ~((1ull << (l)) - 1))
#define SMMU_FIELD(mask, v) (((uint64_t)(v) << __builtin_ctzll(mask)) & (mask))
#define SMMU_FIELD_GET(mask, reg) (((uint64_t)(reg) & (mask)) >> __builtin_ctzll(mask))

/* ---- Registers, page 0 (§6.3) ---- */
#define SMMU_IDR0 0x00
#define IDR0_S2P SMMU_BIT(0)
#define IDR0_S1P SMMU_BIT(1)
#define IDR0_TTF SMMU_GENMASK(3, 2)
#define IDR0_TTF_AARCH64 2
#define IDR0_TTF_BOTH 3
#define IDR0_COHACC SMMU_BIT(4)
#define IDR0_ASID16 SMMU_BIT(12)
#define IDR0_TTENDIAN SMMU_GENMASK(22, 21)
#define IDR0_TTENDIAN_MIXED 0
#define IDR0_TTENDIAN_LE 2
#define IDR0_STALL_MODEL SMMU_GENMASK(25, 24)
#define IDR0_STALL_FORCE 2
#define IDR0_ST_LVL SMMU_GENMASK(28, 27)
#define IDR0_ST_LVL_2LVL 1

#define SMMU_IDR1 0x04
#define IDR1_SIDSIZE SMMU_GENMASK(5, 0)
#define IDR1_EVTQS SMMU_GENMASK(20, 16)
#define IDR1_CMDQS SMMU_GENMASK(25, 21)
#define IDR1_REL SMMU_BIT(28)
#define IDR1_QUEUES_PRESET SMMU_BIT(29)
#define IDR1_TABLES_PRESET SMMU_BIT(30)

#define SMMU_IDR2 0x08
#define SMMU_IDR3 0x0c
#define SMMU_IDR4 0x10
#define SMMU_IDR5 0x14
#define IDR5_OAS SMMU_GENMASK(2, 0)
#define IDR5_GRAN4K SMMU_BIT(4)
#define IDR5_VAX SMMU_GENMASK(11, 10)

#define SMMU_CR0 0x20
#define CR0_SMMUEN SMMU_BIT(0)
#define CR0_EVTQEN SMMU_BIT(2)
#define CR0_CMDQEN SMMU_BIT(3)
#define SMMU_CR0ACK 0x24

/* CR1: attributes of the SMMU's own accesses to the stream table (TABLE_*) and to the
 * queues (QUEUE_*). The cacheability encoding is CR1's own: 0 NC, 1 WB, 2 WT. */
#define SMMU_CR1 0x28
#define CR1_QUEUE_IC SMMU_GENMASK(1, 0)
#define CR1_QUEUE_OC SMMU_GENMASK(3, 2)
#define CR1_QUEUE_SH SMMU_GENMASK(5, 4)
#define CR1_TABLE_IC SMMU_GENMASK(7, 6)
#define CR1_TABLE_OC SMMU_GENMASK(9, 8)
#define CR1_TABLE_SH SMMU_GENMASK(11, 10)
#define CR1_CACHE_NC 0
#define CR1_CACHE_WB 1

#define SMMU_CR2 0x2c
#define CR2_RECINVSID SMMU_BIT(1) /* record C_BAD_STREAMID events */
#define CR2_PTM SMMU_BIT(2)	  /* private TLB maintenance: no broadcast TLBI */

#define SMMU_GBPA 0x44
#define GBPA_ABORT SMMU_BIT(20)
#define GBPA_UPDATE SMMU_BIT(31)

#define SMMU_IRQ_CTRL 0x50

#define SMMU_GERROR 0x60
#define SMMU_GERRORN 0x64
#define GERROR_CMDQ_ERR SMMU_BIT(0)
#define GERROR_EVTQ_ABT_ERR SMMU_BIT(2)
#define GERROR_PRIQ_ABT_ERR SMMU_BIT(3)
#define GERROR_MSI_CMDQ_ABT_ERR SMMU_BIT(4)
#define GERROR_MSI_EVTQ_ABT_ERR SMMU_BIT(5)
#define GERROR_MSI_PRIQ_ABT_ERR SMMU_BIT(6)
#define GERROR_MSI_GERROR_ABT_ERR SMMU_BIT(7)
#define GERROR_SFM_ERR SMMU_BIT(8)
#define GERROR_ALL 0x1fdu

#define SMMU_STRTAB_BASE 0x80 /* 64-bit */
#define STRTAB_BASE_ADDR SMMU_GENMASK(51, 6)
#define STRTAB_BASE_RA SMMU_BIT(62)
#define SMMU_STRTAB_BASE_CFG 0x88
#define STRTAB_CFG_LOG2SIZE SMMU_GENMASK(5, 0)
#define STRTAB_CFG_SPLIT SMMU_GENMASK(10, 6)
#define STRTAB_CFG_FMT SMMU_GENMASK(17, 16)
#define STRTAB_CFG_FMT_LINEAR 0
#define STRTAB_CFG_FMT_2LVL 1

/* Queue base registers: ADDR[51:5] aligned to the queue's size, LOG2SIZE[4:0]. */
#define SMMU_CMDQ_BASE 0x90 /* 64-bit */
#define SMMU_CMDQ_PROD 0x98
#define SMMU_CMDQ_CONS 0x9c
#define SMMU_EVTQ_BASE 0xa0 /* 64-bit */
#define Q_BASE_LOG2SIZE SMMU_GENMASK(4, 0)
#define Q_BASE_ADDR SMMU_GENMASK(51, 5)
#define Q_BASE_RWA SMMU_BIT(62)

/* The event queue's PROD and CONS live in register page 1 (§6.1: page 1 at offset 64 KiB). */
#define SMMU_PAGE1 0x10000
#define SMMU_EVTQ_PROD (SMMU_PAGE1 + 0xa8)
#define SMMU_EVTQ_CONS (SMMU_PAGE1 + 0xac)

/* PROD/CONS: index in the low LOG2SIZE bits, the wrap bit just above (§3.5.1). */
#define Q_OVF SMMU_BIT(31)		   /* EVTQ_PROD.OVFLG / EVTQ_CONS.OVACKFLG */
#define CMDQ_CONS_ERR SMMU_GENMASK(30, 24) /* CERROR of the command at CONS */
#define CMDQ_ERR_NONE 0
#define CMDQ_ERR_ILL 1
#define CMDQ_ERR_ABT 2
#define CMDQ_ERR_ATC_INV_SYNC 3

/* ---- Commands: 16 bytes (§4) ---- */
#define CMDQ_ENT_BYTES 16
#define CMDQ_0_OP SMMU_GENMASK(7, 0)
#define CMD_CFGI_STE 0x03
#define CMD_CFGI_ALL 0x04
#define CMD_CFGI_CD 0x05
#define CMD_TLBI_NH_ASID 0x11
#define CMD_TLBI_NH_VA 0x12
#define CMD_TLBI_NSNH_ALL 0x30
#define CMD_SYNC 0x46

#define CMDQ_CFGI_0_SSID SMMU_GENMASK(31, 12)
#define CMDQ_CFGI_0_SID SMMU_GENMASK(63, 32)
#define CMDQ_CFGI_1_LEAF SMMU_BIT(0)
#define CMDQ_CFGI_1_RANGE SMMU_GENMASK(4, 0) /* CFGI_ALL: 31 = every StreamID */
#define CMDQ_TLBI_0_VMID SMMU_GENMASK(47, 32)
#define CMDQ_TLBI_0_ASID SMMU_GENMASK(63, 48)
#define CMDQ_TLBI_1_LEAF SMMU_BIT(0)
#define CMDQ_TLBI_1_VA SMMU_GENMASK(63, 12)
#define CMDQ_SYNC_0_CS SMMU_GENMASK(13, 12)
#define CMDQ_SYNC_CS_NONE 0 /* completion seen by CONS moving past it */

/* ---- Events: 32 bytes (§7.3) ---- */
#define EVTQ_ENT_BYTES 32
#define EVTQ_0_ID SMMU_GENMASK(7, 0)
#define EVTQ_0_SSV SMMU_BIT(11)
#define EVTQ_0_SSID SMMU_GENMASK(31, 12)
#define EVTQ_0_SID SMMU_GENMASK(63, 32)
#define EVTQ_1_PNU SMMU_BIT(33)
#define EVTQ_1_IND SMMU_BIT(34)
#define EVTQ_1_RNW SMMU_BIT(35)
#define EVT_F_UUT 0x01
#define EVT_C_BAD_STREAMID 0x02
#define EVT_F_STE_FETCH 0x03
#define EVT_C_BAD_STE 0x04
#define EVT_F_BAD_ATS_TREQ 0x05
#define EVT_F_STREAM_DISABLED 0x06
#define EVT_F_TRANSL_FORBIDDEN 0x07
#define EVT_C_BAD_SUBSTREAMID 0x08
#define EVT_F_CD_FETCH 0x09
#define EVT_C_BAD_CD 0x0a
#define EVT_F_WALK_EABT 0x0b
#define EVT_F_TRANSLATION 0x10
#define EVT_F_ADDR_SIZE 0x11
#define EVT_F_ACCESS 0x12
#define EVT_F_PERMISSION 0x13
#define EVT_F_TLB_CONFLICT 0x20
#define EVT_F_CFG_CONFLICT 0x21
#define EVT_E_PAGE_REQUEST 0x24
#define EVT_F_VMS_FETCH 0x25

/* ---- Stream table (§5.2) ---- */
#define STE_BYTES 64
#define STE_DWORDS 8
#define STRTAB_SPLIT 8 /* 2-level: 256 STEs (16 KiB) per level-2 table, one PCI bus */
#define L1STD_SPAN SMMU_GENMASK(4, 0)
#define L1STD_L2PTR SMMU_GENMASK(51, 6)

#define STE_0_V SMMU_BIT(0)
#define STE_0_CONFIG SMMU_GENMASK(3, 1)
#define STE_CONFIG_ABORT 0
#define STE_CONFIG_BYPASS 4
#define STE_CONFIG_S1 5
#define STE_0_S1FMT SMMU_GENMASK(5, 4)
#define STE_0_S1CTXPTR SMMU_GENMASK(51, 6)
#define STE_0_S1CDMAX SMMU_GENMASK(63, 59)
#define STE_1_S1DSS SMMU_GENMASK(1, 0)
#define STE_1_S1CIR SMMU_GENMASK(3, 2)
#define STE_1_S1COR SMMU_GENMASK(5, 4)
#define STE_1_S1CSH SMMU_GENMASK(7, 6)
#define STE_1_STRW SMMU_GENMASK(31, 30)
#define STE_STRW_NSEL1 0
#define STE_1_SHCFG SMMU_GENMASK(45, 44)
#define STE_SHCFG_INCOMING 1
#define STE_CACHE_NC 0 /* S1CIR/S1COR: TCR-style encoding */
#define STE_CACHE_WBRA 1

/* Shareability, as in TCR and the descriptors. */
#define SMMU_SH_NSH 0
#define SMMU_SH_OSH 2
#define SMMU_SH_ISH 3

/* ---- Context descriptor (§5.4) ---- */
#define CD_BYTES 64
#define CD_DWORDS 8
#define CD_0_T0SZ SMMU_GENMASK(5, 0)
#define CD_0_TG0 SMMU_GENMASK(7, 6)
#define CD_TG0_4K 0
#define CD_0_IRGN0 SMMU_GENMASK(9, 8)
#define CD_0_ORGN0 SMMU_GENMASK(11, 10)
#define CD_RGN_NC 0
#define CD_RGN_WBWA 1
#define CD_0_SH0 SMMU_GENMASK(13, 12)
#define CD_0_EPD0 SMMU_BIT(14)
#define CD_0_ENDI SMMU_BIT(15)
#define CD_0_EPD1 SMMU_BIT(30)
#define CD_0_V SMMU_BIT(31)
#define CD_0_IPS SMMU_GENMASK(34, 32)
#define CD_0_AA64 SMMU_BIT(41)
#define CD_0_R SMMU_BIT(45) /* record faults */
#define CD_0_A SMMU_BIT(46) /* abort (not RAZ/WI) faulting transactions */
#define CD_0_ASET SMMU_BIT(47)
#define CD_0_ASID SMMU_GENMASK(63, 48)
#define CD_1_TTB0 SMMU_GENMASK(51, 4)
#define CD_3_MAIR_DWORD 3

/* MAIR attribute indices used by the descriptors (Arm ARM D8.5). */
#define MAIR_IDX_WB 0	  /* Normal, inner/outer write-back read/write-allocate */
#define MAIR_IDX_NC 1	  /* Normal, non-cacheable */
#define MAIR_IDX_DEVICE 2 /* Device-nGnRE */
#define SMMU_MAIR_VALUE                                                                            \
	(0xffull << (8 * MAIR_IDX_WB) | 0x44ull << (8 * MAIR_IDX_NC) |                             \
	 0x04ull << (8 * MAIR_IDX_DEVICE))

/* ---- Stage-1 VMSAv8-64 descriptors, 4 KiB granule (Arm ARM D8.3) ---- */
#define PTE_VALID SMMU_BIT(0)
#define PTE_TYPE_TABLE SMMU_BIT(1) /* at levels 0-2: table; at level 3: page */
#define PTE_ATTRINDX SMMU_GENMASK(4, 2)
#define PTE_AP_UNPRIV SMMU_BIT(6) /* AP[1]: unprivileged accesses allowed */
#define PTE_AP_RDONLY SMMU_BIT(7) /* AP[2] */
#define PTE_SH SMMU_GENMASK(9, 8)
#define PTE_AF SMMU_BIT(10)
#define PTE_NG SMMU_BIT(11)
#define PTE_XN SMMU_BIT(54)
#define PTE_ADDR SMMU_GENMASK(47, 12)

#endif

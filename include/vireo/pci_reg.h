/* Constants and layouts from the PCI Local Bus Specification 3.0 (configuration space, §6),
 * the PCI-to-PCI Bridge Architecture Specification 1.2 (type 1 header, §3.2) and the PCI
 * Express Base Specification (ECAM, §7.2.2). Spec names kept, as Linux's pci_regs.h spells
 * them. */
#ifndef VIREO_PCI_REG_H
#define VIREO_PCI_REG_H

/* ECAM (PCIe §7.2.2): one 4 KiB configuration space per function. */
#define PCI_ECAM_BUS_SHIFT 20
#define PCI_ECAM_DEV_SHIFT 15
#define PCI_ECAM_FN_SHIFT 12
#define PCI_ECAM_BUS_SIZE (1u << PCI_ECAM_BUS_SHIFT)
#define PCI_CFG_SPACE_SIZE 256 /* the part a capability list may use */

#define PCI_MAX_DEV 32
#define PCI_MAX_FN 8
#define PCI_MAX_BUS 256

/* Common header (§6.1) */
#define PCI_VENDOR_ID 0x00
#define PCI_DEVICE_ID 0x02
#define PCI_COMMAND 0x04
#define PCI_COMMAND_IO 0x0001
#define PCI_COMMAND_MEMORY 0x0002
#define PCI_COMMAND_MASTER 0x0004
#define PCI_COMMAND_INTX_DISABLE 0x0400
#define PCI_STATUS 0x06
#define PCI_STATUS_CAP_LIST 0x0010
#define PCI_CLASS_REVISION 0x08 /* revision in the low byte, class code above */
#define PCI_HEADER_TYPE 0x0e
#define PCI_HEADER_TYPE_MASK 0x7f
#define PCI_HEADER_TYPE_NORMAL 0
#define PCI_HEADER_TYPE_BRIDGE 1
#define PCI_HEADER_TYPE_MFD 0x80
#define PCI_BASE_ADDRESS_0 0x10
#define PCI_CAPABILITY_LIST 0x34
#define PCI_INTERRUPT_LINE 0x3c
#define PCI_INTERRUPT_PIN 0x3d

#define PCI_VENDOR_NONE 0xffff /* no function answers (master abort) */

/* Type 0 header */
#define PCI_SUBSYSTEM_VENDOR_ID 0x2c
#define PCI_SUBSYSTEM_ID 0x2e
#define PCI_STD_NUM_BARS 6

/* Base address registers (§6.2.5.1) */
#define PCI_BASE_ADDRESS_SPACE_IO 0x01
#define PCI_BASE_ADDRESS_MEM_TYPE_MASK 0x06
#define PCI_BASE_ADDRESS_MEM_TYPE_32 0x00
#define PCI_BASE_ADDRESS_MEM_TYPE_64 0x04
#define PCI_BASE_ADDRESS_MEM_PREFETCH 0x08
#define PCI_BASE_ADDRESS_MEM_MASK (~0x0fu)
#define PCI_BASE_ADDRESS_IO_MASK (~0x03u)

/* Type 1 header (PCI-to-PCI bridge spec §3.2) */
#define PCI_BRIDGE_NUM_BARS 2
#define PCI_PRIMARY_BUS 0x18
#define PCI_SECONDARY_BUS 0x19
#define PCI_SUBORDINATE_BUS 0x1a
#define PCI_IO_BASE 0x1c
#define PCI_IO_LIMIT 0x1d
#define PCI_IO_RANGE_TYPE_MASK 0x0f
#define PCI_IO_RANGE_TYPE_32 0x01
#define PCI_MEMORY_BASE 0x20
#define PCI_MEMORY_LIMIT 0x22
#define PCI_PREF_MEMORY_BASE 0x24
#define PCI_PREF_MEMORY_LIMIT 0x26
#define PCI_PREF_RANGE_TYPE_MASK 0x0f
#define PCI_PREF_RANGE_TYPE_64 0x01
#define PCI_PREF_BASE_UPPER32 0x28
#define PCI_PREF_LIMIT_UPPER32 0x2c
#define PCI_IO_BASE_UPPER16 0x30
#define PCI_IO_LIMIT_UPPER16 0x32
#define PCI_BRIDGE_CONTROL 0x3e

/* Bridge window granularity: I/O 4 KiB, memory 1 MiB. */
#define PCI_BRIDGE_IO_ALIGN 0x1000u
#define PCI_BRIDGE_MEM_ALIGN 0x100000u

/* Capability list (§6.7) */
#define PCI_CAP_LIST_ID 0
#define PCI_CAP_LIST_NEXT 1
#define PCI_CAP_ID_VNDR 0x09
#define PCI_CAP_ID_MSIX 0x11

/* PCI 3.0 §6.8.2: the MSI-X capability and table */
#define PCI_MSIX_FLAGS 2
#define PCI_MSIX_FLAGS_QSIZE 0x07ff
#define PCI_MSIX_FLAGS_MASKALL 0x4000
#define PCI_MSIX_FLAGS_ENABLE 0x8000
#define PCI_MSIX_TABLE 4
#define PCI_MSIX_TABLE_BIR 0x7
#define PCI_MSIX_ENTRY_SIZE 16
#define PCI_MSIX_ENTRY_ADDR_LO 0
#define PCI_MSIX_ENTRY_ADDR_HI 4
#define PCI_MSIX_ENTRY_DATA 8
#define PCI_MSIX_ENTRY_CTRL 12
#define PCI_MSIX_ENTRY_CTRL_MASKBIT 1
#define PCI_CAP_MIN_PTR 0x40  /* capabilities live after the standard header */
#define PCI_CAP_PTR_MASK 0xfc /* the bottom two bits are reserved: software masks them */

/* Class codes used in messages */
#define PCI_CLASS_BRIDGE_PCI 0x0604

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The few vfio-pci-core types trapcount reads.  They live in the module's
 * BTF, not vmlinux's, so vmlinux.h lacks them; these declarations carry
 * preserve_access_index and libbpf relocates each field against the running
 * kernel's /sys/kernel/btf/vfio_pci_core at load time (CO-RE).
 */
#ifndef TRAPCOUNT_VFIO_TYPES_H
#define TRAPCOUNT_VFIO_TYPES_H

struct vfio_device {
	int __opaque;
} __attribute__((preserve_access_index));

struct vfio_pci_core_device {
	struct vfio_device vdev;
	struct pci_dev *pdev;
	u8 msix_bar;		/* 0xff without MSI-X */
	u16 msix_size;		/* bytes of the vector table */
	u32 msix_offset;
} __attribute__((preserve_access_index));

#endif

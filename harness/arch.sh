# shellcheck shell=sh
# arch.sh: the one table of per-architecture facts (POSIX sh), sourced by
# the harness scripts and tests that need them; need_arch uses lib.sh's
# usage_error.  Every guest runs under TCG on this x86_64 machine.

ARCHES="x86_64 ppc64le aarch64"

# arch_facts ARCH: set the arch_* variables below for ARCH; fails, silently,
# for an architecture the table does not know.
#   arch_debian       Debian's name of the architecture
#   arch_flavour      Debian kernel flavour (linux-image-VERSION-FLAVOUR)
#   arch_image_suffix the image package's suffix (-unsigned where Debian
#                     also ships a signed twin; ppc64el images are unsigned)
#   arch_image_file   what QEMU boots, boot/FILE-RELEASE of the image package
#   arch_page         the kernel's page size
#   arch_build        where make ARCH=... builds, relative to the repo
#   arch_cross        cross-compiler prefix ('' for this machine's own)
#   arch_kbuild       Kbuild's ARCH= for a cross build of a module
#   arch_qemu, arch_qemu_pkg  the QEMU binary and its Debian package
#   arch_bios         firmware file to pass with -bios ('' for none), from
#                     qemu-system-data
#   arch_qemu_machine QEMU options before the disk (-drive id=nvm)
#   arch_qemu_devices QEMU options after it: the nvme on drive nvm, the xhci
#   arch_console      the console the guest's kernel writes to
#   arch_cmdline      the rest of the guest kernel's command line
#   arch_modules      VFIO modules to load, in order; "?" marks one a kernel
#                     may lack (iommufd is absent without CONFIG_IOMMUFD)
#   arch_nvme         the NVMe's PCI address in the guest
# shellcheck disable=SC2034 # the variables are the table's answer
arch_facts() {
	case $1 in
	x86_64)
		arch_debian=amd64 arch_flavour=amd64
		arch_image_suffix=-unsigned arch_image_file=vmlinuz
		arch_page=4096 arch_build=build
		arch_cross='' arch_kbuild=x86
		arch_qemu=qemu-system-x86_64 arch_qemu_pkg=qemu-system-x86
		arch_bios=/usr/share/qemu/qboot.rom
		arch_qemu_machine="-M q35 -accel tcg -cpu max -m 1G -smp 1
			-device intel-iommu,intremap=on"
		arch_qemu_devices="-device nvme,drive=nvm,serial=barbench
			-device qemu-xhci -nic none"
		# no_timer_check: the kernel's early check that the timer
		# interrupt arrives through the remapped IO-APIC sometimes
		# misses it under TCG and panics ("timer doesn't work through
		# Interrupt-remapped IO-APIC").
		arch_console=ttyS0 arch_cmdline="intel_iommu=on no_timer_check"
		arch_modules="?irqbypass ?iommufd vfio vfio_iommu_type1 vfio_pci_core vfio_pci"
		arch_nvme=0000:00:02.0 ;;
	ppc64le)
		arch_debian=ppc64el arch_flavour=powerpc64le-64k
		arch_image_suffix='' arch_image_file=vmlinux
		arch_page=65536 arch_build=build/ppc64le
		arch_cross=powerpc64le-linux-gnu- arch_kbuild=powerpc
		arch_qemu=qemu-system-ppc64 arch_qemu_pkg=qemu-system-ppc
		arch_bios=''
		# pseries with QEMU's own firmware (x-vof); the cap-* settings
		# keep TCG from refusing the Spectre mitigations it cannot
		# emulate.  Each device on a host bridge of its own: its own
		# IOMMU (TCE) group.
		arch_qemu_machine="-M pseries,x-vof=on,usb=off,cap-cfpc=broken,cap-sbbc=broken,cap-ibs=broken,cap-ccf-assist=off
			-accel tcg -cpu POWER9 -m 1G -smp 1 -vga none
			-device spapr-pci-host-bridge,index=1,id=phb1"
		arch_qemu_devices="-device nvme,drive=nvm,serial=barbench,bus=phb1.0
			-device spapr-pci-host-bridge,index=2,id=phb2
			-device qemu-xhci,bus=phb2.0 -nic none"
		# resource_alignment: 16 KiB BARs aligned to 64 KiB pages,
		# without which vfio-pci refuses to mmap them.
		arch_console=hvc0
		arch_cmdline="pci=resource_alignment=16@pci:1b36:0010;16@pci:1b36:000d"
		# pseries: the IOMMU is the hypervisor's TCE tables, reached
		# through the sPAPR TCE backend.
		arch_modules="?irqbypass ?iommufd vfio vfio_iommu_spapr_tce vfio_pci_core vfio_pci"
		arch_nvme=0001:00:00.0 ;;
	aarch64)
		arch_debian=arm64 arch_flavour=arm64-16k
		arch_image_suffix=-unsigned arch_image_file=vmlinuz
		arch_page=16384 arch_build=build/aarch64
		arch_cross=aarch64-linux-gnu- arch_kbuild=arm64
		arch_qemu=qemu-system-aarch64 arch_qemu_pkg=qemu-system-arm
		arch_bios=''
		# virt boots the Image directly (no firmware); the kernel
		# assigns the BARs, each 16 KiB BAR aligned to its size, so to
		# a 16K page.  GICv3: its ITS isolates MSIs, without which
		# vfio_iommu_type1 refuses the platform (EPERM).
		# pauth-impdef: QEMU's cheaper pointer authentication, a boot
		# in 6 s instead of 13.
		arch_qemu_machine="-M virt,iommu=smmuv3,gic-version=3 -accel tcg
			-cpu max,pauth-impdef=on -m 1G -smp 1"
		arch_qemu_devices="-device nvme,drive=nvm,serial=barbench
			-device qemu-xhci -nic none"
		arch_console=ttyAMA0 arch_cmdline=''
		# virt with an SMMUv3, which Debian builds in.
		arch_modules="?irqbypass ?iommufd vfio vfio_iommu_type1 vfio_pci_core vfio_pci"
		arch_nvme=0000:00:01.0 ;;
	*) return 1 ;;
	esac
}

# need_arch ARCH: arch_facts ARCH, or a usage error naming the known ones.
need_arch() {
	arch_facts "$1" ||
		usage_error "unsupported --arch '$1' (supported: $ARCHES)"
}

# arch_help: the architectures for a --help text, with their page sizes.
arch_help() {
	_sep=
	for _a in $ARCHES; do
		arch_facts "$_a"
		printf '%s%s (%sK pages)' "$_sep" "$_a" $((arch_page / 1024))
		_sep=', '
	done
}

# vfio-modules.sh: swap the vfio-pci-core module under vfio-pci and bind the
# devices again; sourced (POSIX sh) by alternate-variants.sh and the guest tests.
# Needs: $devices (PCI addresses with driver_override=vfio-pci), say().
# STOCK_MODULES: folder of the stock vfio_pci_core.ko and vfio_pci.ko
# (default: modprobe from /lib/modules).

# unload: vfio-pci first (that unbinds the devices), then the core.
unload() {
	for mod in vfio_pci vfio_pci_core; do
		if [ -d "/sys/module/$mod" ] && ! rmmod "$mod"; then
			say "cannot unload $mod (is a device still open?)"
			return 1
		fi
	done
}

load_stock_module() {	# load_stock_module NAME
	if [ -n "${STOCK_MODULES:-}" ]; then
		insmod "$STOCK_MODULES/$1.ko"
	else
		modprobe "$1"
	fi
}

# load MODULE: the variant's core (or the stock one), stock vfio-pci on top,
# the devices bound again.
load() {
	unload || return 1
	if [ "$1" = stock ]; then
		load_stock_module vfio_pci_core || return 1
	else
		insmod "$1" || { say "insmod $1 failed"; return 1; }
	fi
	load_stock_module vfio_pci || return 1
	for dev in $devices; do
		echo "$dev" >/sys/bus/pci/drivers_probe
		drv=$(readlink "/sys/bus/pci/devices/$dev/driver")
		if [ "${drv##*/}" != vfio-pci ]; then
			say "$dev did not bind to vfio-pci"
			return 1
		fi
	done
}


# restore_stock_on_exit: however the script ends (a signal too, with the
# shell's usual status), put the stock vfio-pci-core back under the devices.
restore_stock_on_exit() {
	trap restore_stock EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP
}
restore_stock() {
	trap - EXIT INT TERM HUP
	load stock || say "could not put the stock vfio-pci-core back"
}

# SPDX-License-Identifier: GPL-2.0-only
# Shared by the box scenarios (sourced).
selftests=/usr/libexec/kvmcfg/selftests

# Every param of kvm and kvm_amd, one "module.param=value" per line.
dump_params() {
	for m in kvm kvm_amd; do
		[ -d /sys/module/$m/parameters ] || { echo "$m=(not loaded)"; continue; }
		for p in /sys/module/$m/parameters/*; do
			echo "$m.${p##*/}=$(cat "$p" 2>/dev/null || echo '?')"
		done
	done
}

section() { echo "@@SECTION $1@@"; }
end_section() { echo "@@ENDSECTION@@"; }

# A fleet host as booted: kvm_amd loaded, kvm with two values only its
# modprobe command line knew (no modprobe.d to re-apply them on reload).
boot_state() {
	modprobe kvm mmio_caching=0 halt_poll_ns=12345 && modprobe kvm_amd
}

# Wait up to 20 s for a file to appear.
wait_file() {
	i=0
	while [ ! -e "$1" ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
	[ -e "$1" ]
}

# scripts/common.sh — what the Quick start commands share: install the Debian
# packages cunbao needs, and build it.  Sourced, not run.

# Every Debian package the build, the tests, the demo and the benchmark use
# (chromium and a CJK font for the dashboard's browser test and its screenshots;
# systemd for systemd-analyze, which checks the units: no init is changed;
# mandoc and man-db for the manual pages' lint and `man -l`).
CUNBAO_PACKAGES="build-essential cmake pkg-config clang libclang-rt-14-dev
	libmosquitto-dev mosquitto mosquitto-clients libevent-dev libsqlite3-dev sqlite3
	libcjson-dev libcriterion-dev libssl-dev openssl kannel kannel-extras curl ca-certificates bsdextrautils python3 python3-jsonschema
	dpkg-dev fakeroot lintian strace
	python3-paho-mqtt chromium fonts-wqy-microhei systemd mandoc man-db
	libxlsxwriter-dev python3-openpyxl rabbitmq-server"
# The dashboard's libraries (npm ci at build time) and its browser test need
# node and npm: Debian's, unless this machine has a node of its own.
command -v node >/dev/null 2>&1 || CUNBAO_PACKAGES="$CUNBAO_PACKAGES nodejs npm"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Installs the packages that are missing (apt-get update first, as a fresh
# machine needs).  Needs root for that; without root it only checks.
cunbao_deps() {
	local missing
	missing=$(dpkg-query -W -f='${Package} ${db:Status-Status}\n' $CUNBAO_PACKAGES 2>/dev/null |
		awk '$2 != "installed" {print $1}')
	for p in $CUNBAO_PACKAGES; do
		dpkg-query -W "$p" >/dev/null 2>&1 || missing="$missing $p"
	done
	[ -n "${missing// /}" ] || return 0
	if [ "$(id -u)" != 0 ]; then
		die "missing packages (run as root to install): $missing"
	fi
	say "installing Debian packages"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq || die "apt-get update failed"
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $CUNBAO_PACKAGES >/dev/null ||
		die "apt-get install failed"
}

# Configures and builds into $1 with extra cmake arguments; -Werror always.
cunbao_build() {
	local dir=$1; shift
	say "building in $dir $*"
	mkdir -p "$dir"
	cmake -S "$CUNBAO_ROOT" -B "$dir" -DCUNBAO_WERROR=ON "$@" >"$dir/cmake.out" 2>&1 ||
		{ cat "$dir/cmake.out"; die "cmake failed"; }
	cmake --build "$dir" -j "$(nproc)" >"$dir/build.out" 2>&1 ||
		{ grep -E 'error|Error' -A3 "$dir/build.out" | head -60; die "build failed (log: $dir/build.out)"; }
}

CUNBAO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

#!/bin/sh
# check-version.sh — the ctest release/version: every program names the one
# release project() in CMakeLists.txt sets, and CHANGELOG.md has its section.
#   check-version.sh VERSION CHANGELOG PROGRAM...
# Each PROGRAM --version must print "NAME VERSION" (NAME its file name).
set -u
version=$1 changelog=$2
shift 2
bad=0
for p in "$@"; do
	name=$(basename "$p")
	out=$("$p" --version 2>&1); rc=$?
	if [ $rc -ne 0 ] || [ "$out" != "$name $version" ]; then
		echo "FAIL: $name --version: exit $rc, printed \"$out\", want \"$name $version\""
		bad=1
	else
		echo "ok: $out"
	fi
done
grep -q "^## \[$version\]" "$changelog" || { echo "FAIL: $changelog has no section ## [$version]"; bad=1; }
exit $bad

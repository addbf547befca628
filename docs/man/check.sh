#!/bin/sh
# check.sh — the ctest man/pages: the manual pages the build wrote are clean
# and complete.
#   - `mandoc -T lint -W warning` says nothing about any of them, and
#     `man -l` renders each without a message;
#   - every config key `cunbaod --help` and `cunbao-bridge --help` list (the
#     chat sections' keys too, under their platform) is an
#     item of cunbao.conf(5), every option of their --help is in their page,
#     and every subcommand of `cunbaoctl --help` is in cunbaoctl(1);
#   - no @MARKER@ of a template is left.
# Exits 0 when all hold, 1 naming each problem, 77 (skipped) without mandoc.
#
#   check.sh MANDIR CUNBAOD CUNBAO-BRIDGE CUNBAOCTL
set -u
dir=$1 cunbaod=$2 bridge=$3 ctl=$4
bad=0
fail() { echo "FAIL: $*"; bad=1; }

command -v mandoc >/dev/null 2>&1 || { echo "mandoc not installed (apt-get install mandoc)"; exit 77; }

for page in cunbaod.8 cunbao-bridge.8 cunbaoctl.1 cunbao.conf.5; do
	f=$dir/$page
	[ -s "$f" ] || { fail "$f: missing or empty"; continue; }
	out=$(mandoc -T lint -W warning "$f" 2>&1); rc=$?
	[ -z "$out" ] && [ $rc -eq 0 ] || fail "$page: mandoc -T lint (exit $rc): $out"
	if command -v man >/dev/null 2>&1; then
		# In a UTF-8 locale, as an operator reads them: the pages hold Chinese
		# examples, which groff cannot draw in the C locale's ASCII.
		err=$(LC_ALL=C.UTF-8 MANWIDTH=80 man -l "$f" 2>&1 >/dev/null) || fail "$page: man -l failed: $err"
		[ -z "$err" ] || fail "$page: man -l: $err"
		[ -n "$(LC_ALL=C.UTF-8 MANWIDTH=80 man -l "$f" 2>/dev/null)" ] || fail "$page: man -l rendered nothing"
	fi
	! grep -n '@[A-Z_]*@' "$f" || fail "$page: a template marker is left"
done

# Keys: cunbaod's --help lists "  key default help" after "config keys", the
# bridge's "  --key help [default]" after "keys".
daemon_keys=$("$cunbaod" --help | awk '/^config keys/ { on = 1; next } on && /^$/ { exit } on { print $1 }')
bridge_keys=$("$bridge" --help | awk '/^keys/ { on = 1; next } on && /^  --/ { sub(/^--/, "", $1); print $1 }')
[ -n "$daemon_keys" ] || fail "no keys found in cunbaod --help"
[ -n "$bridge_keys" ] || fail "no keys found in cunbao-bridge --help"
for k in $daemon_keys $bridge_keys; do
	grep -q "^\.It Cm $k " "$dir/cunbao.conf.5" || fail "cunbao.conf.5: no item for the key $k"
done
# The chat sections' keys: "  [wecom NAME]" then "    key help [default]" lines.
chat_keys=$("$bridge" --help | awk '/^  \[[a-z]+ NAME\]$/ { p = substr($1, 2) } p && /^    [a-z]/ { print p ":" $1 }')
[ -n "$chat_keys" ] || fail "no chat section keys found in cunbao-bridge --help"
for pk in $chat_keys; do
	p=${pk%%:*} k=${pk#*:}
	awk -v p="$p" -v k="$k" '$0 == ".It Bq Cm " p " Ar name" { on = 1; next }
	    on && /^\.It Bq Cm / { exit } on && index($0, ".It Cm " k " ") == 1 { found = 1; exit }
	    END { exit !found }' "$dir/cunbao.conf.5" || fail "cunbao.conf.5: no item for the [$p] key $k"
done
echo "cunbao.conf.5: $(echo $daemon_keys | wc -w) cunbaod keys, $(echo $bridge_keys | wc -w) cunbao-bridge keys, $(echo $chat_keys | wc -w) chat section keys"

# Options: each -x and --word at the start of a line of --help, before the keys.
options() {
	"$1" --help | awk '/^(config )?keys/ { exit } { print }' |
	    grep -oE '^  (-[A-Za-z]|--[a-z-]+)(, --[a-z-]+)?' | tr ',' '\n' | tr -d ' '
}
for o in $(options "$cunbaod"); do
	grep -qE "Fl ${o#-}( |$)" "$dir/cunbaod.8" || fail "cunbaod.8: no option $o"
done
for o in $(options "$bridge"); do
	grep -qE "Fl ${o#-}( |$)" "$dir/cunbao-bridge.8" || fail "cunbao-bridge.8: no option $o"
done

for s in $("$ctl" --help | awk '/^subcommands:/ { on = 1; next } on && /^$/ { exit } on { print $1 }'); do
	grep -q "^\.It Cm $s\$" "$dir/cunbaoctl.1" || fail "cunbaoctl.1: no subcommand $s"
done
exit $bad

#!/bin/sh
# assemble.sh — writes the manual pages: each docs/man/PAGE.in with @VERSION@
# replaced and each line @DAEMON_KEYS@, @BRIDGE_KEYS@, @BRIDGE_CHAT_KEYS@ or
# @CUNBAOCTL_SUBCOMMANDS@
# replaced by what the programs print from the tables their --help prints, so
# the pages and --help never disagree.  Run by docs/man/CMakeLists.txt.
#
#   assemble.sh SRCDIR OUTDIR VERSION CUNBAOD CUNBAO-BRIDGE CUNBAOCTL
set -eu
src=$1 out=$2 version=$3 cunbaod=$4 bridge=$5 ctl=$6
gen=$out/gen
mkdir -p "$gen"

# Escapes text lines for roff: \ as \e, and a leading . or ' behind \&.
roff_text() { sed -e 's/\\/\\e/g' -e "s/^\\([.']\\)/\\\\\\&\\1/"; }

# One .It per subcommand of cunbaoctl --help: its summary, then its own --help verbatim.
subcommands() {
	"$ctl" --help | awk '/^subcommands:/ { on = 1; next } on && /^$/ { exit } on' |
	while read -r name summary; do
		printf '.It Cm %s\n' "$name"
		printf '%s\n' "$summary" | roff_text
		printf '.Bd -literal\n'
		"$ctl" "$name" --help | roff_text
		printf '.Ed\n'
	done
}

"$cunbaod" --help-mdoc >"$gen/daemon-keys"
"$bridge" --help-mdoc >"$gen/bridge-keys"
"$bridge" --help-mdoc-chat >"$gen/bridge-chat-keys"
subcommands >"$gen/cunbaoctl-subcommands"
for f in "$gen"/*; do
	[ -s "$f" ] || { echo "assemble.sh: $f is empty" >&2; exit 1; }
done

for in in "$src"/*.in; do
	page=$(basename "$in" .in)
	awk -v version="$version" -v gen="$gen" '
		function insert(file,  line) {
			while ((getline line < file) > 0)
				print line
			close(file)
		}
		$0 == "@DAEMON_KEYS@" { insert(gen "/daemon-keys"); next }
		$0 == "@BRIDGE_KEYS@" { insert(gen "/bridge-keys"); next }
		$0 == "@BRIDGE_CHAT_KEYS@" { insert(gen "/bridge-chat-keys"); next }
		$0 == "@CUNBAOCTL_SUBCOMMANDS@" { insert(gen "/cunbaoctl-subcommands"); next }
		{ gsub(/@VERSION@/, version); print }
	' "$in" >"$out/$page.tmp"
	mv "$out/$page.tmp" "$out/$page"
done

#!/bin/sh
# check-docs.sh — the ctest docs/standalone: the tree's docs stand alone.
#   - no file names DESIGN (a document that is not in the tree): the
#     contracts are docs/protocol.md, docs/sms.md, docs/api.md, docs/bridge.md;
#   - every relative link of a Markdown file ([text](path)) names a file or
#     folder that exists.
#   check-docs.sh SRCDIR
set -u
root=$1
bad=0
cd "$root" || exit 1

hits=$(grep -rnw DESIGN --exclude-dir='build*' --exclude-dir=.git --exclude-dir=node_modules \
	--exclude=check-docs.sh . 2>/dev/null)
if [ -n "$hits" ]; then
	echo "FAIL: references to DESIGN, a document not in the tree:"
	echo "$hits"
	bad=1
fi

for md in $(find . -name '*.md' -not -path './build*' -not -path './.git/*' -not -path '*/node_modules/*'); do
	dir=$(dirname "$md")
	for link in $(grep -oE '\]\([^)#[:space:]]+' "$md" | sed 's/^](//'); do
		case $link in
		http://*|https://*|mailto:*) continue ;;
		esac
		[ -e "$dir/$link" ] || { echo "FAIL: $md: dangling link $link"; bad=1; }
	done
done
[ $bad -eq 0 ] && echo "ok: no DESIGN reference, every relative Markdown link resolves"
exit $bad

#!/bin/sh
# fed_fanin.sh — how many child rollups per second a federating cunbaod
# absorbs (docs/federation.md, "Fan-in").  Starts a private mosquitto and a
# federating cunbaod (upstream-of 50 counties) in a scratch directory,
# publishes N child rollups (QoS 1, each a newer seq of one of the counties'
# top-area rollups, so that every one is journaled and kept) with
# mosquitto_pub -l, and times until the last is in the federation's journal.
#   tests/integration/fed_fanin.sh BUILD_DIR [N]
set -eu
build=$1
n=${2:-20000}
src=$(cd "$(dirname "$0")/../.." && pwd)
dir=$(mktemp -d /tmp/cunbao-fanin-XXXXXX)
port=$((20000 + $$ % 20000))
dpid= bpid=
trap 'kill $dpid $bpid 2>/dev/null; rm -rf "$dir"' EXIT INT TERM

cat >"$dir/mosquitto.conf" <<CONF
listener $port 127.0.0.1
allow_anonymous true
user root
max_queued_messages 2147483647
max_queued_bytes 0
max_inflight_messages 0
CONF
/usr/sbin/mosquitto -c "$dir/mosquitto.conf" >"$dir/mosquitto.log" 2>&1 &
bpid=$!
# The catalog: one kind with a field per aggregation (as test_federation.c).
cat >"$dir/catalog.json" <<'CAT'
{"version":1,"kinds":[{"code":"mixed","names":{"zh":"混合","en":"mixed"},"keywords":["mixed"],
"period":"month","agg":"sum","deadline":{"day":25,"hour":18,"remind_hours":24},
"example":{"zh":"mixed stock 1","en":"mixed stock 1"},"fields":[
{"code":"stock","names":{"zh":"存量","en":"stock"},"type":"decimal","scale":2,"min":0,"max":1000000,"agg":"last"},
{"code":"metres","names":{"zh":"米","en":"metres"},"type":"decimal","scale":1,"min":0,"max":1000000,"agg":"sum"},
{"code":"attendance","names":{"zh":"出勤","en":"attendance"},"type":"count","min":0,"max":1000000,"agg":"avg"},
{"code":"peak","names":{"zh":"峰值","en":"peak"},"type":"count","min":0,"max":1000000,"agg":"max"},
{"code":"passed","names":{"zh":"合格","en":"passed"},"type":"yesno","agg":"rate","yes":["yes"],"no":["no"]}]}]}
CAT
{
	echo "path,name,expected"
	echo "prov,prov,0"
	for c in $(seq 1 50); do echo "prov/c$c,c$c,0"; done
} >"$dir/areas.csv"
echo "id,name,area,role,lang" >"$dir/reporters.csv"
children=$(seq -s, -f 'prov/c%g' 1 50)
sleep 0.5
"$build/daemon/cunbaod" -d --broker 127.0.0.1:$port --db "$dir/fed.db" --catalog "$dir/catalog.json" \
	--areas "$dir/areas.csv" --reporters "$dir/reporters.csv" --listen off --max-received-age 0 \
	--upstream-of "$children" >"$dir/cunbaod.log" 2>&1 &
dpid=$!
for i in $(seq 1 100); do grep -q 'mqtt: subscribed' "$dir/cunbaod.log" && break; sleep 0.1; done
# def is optional (the terms carry the aggregations); each county's rollups come with rising seqs.
awk -v n="$n" 'BEGIN {
	for (i = 1; i <= n; i++) {
		c = (i - 1) % 50 + 1; s = int((i - 1) / 50) + 1;
		printf "{\"area\":\"c%d\",\"kind\":\"mixed\",\"period\":\"2023-12\",\"values\":{\"stock\":%d.25,\"attendance\":7.5},", c, i;
		printf "\"reported\":%d,\"expected\":40,\"updated_at\":\"2023-12-05T08:30:00+08:00\",", s % 40;
		printf "\"terms\":{\"stock\":{\"agg\":\"last\",\"num\":\"%d.25\",\"den\":%d},\"attendance\":{\"agg\":\"avg\",\"num\":\"%d\",\"den\":%d}},\"seq\":%d}\n", i, s, 15 * s, 2 * s, s;
	}
}' >"$dir/in.txt"
# One topic per county: a mosquitto_pub -l per county, all at once.
for c in $(seq 1 50); do
	awk -v c="$c" 'NR % 50 == c % 50' "$dir/in.txt" >"$dir/in-$c.txt"
done
t0=$(date +%s.%N)
pubs=
for c in $(seq 1 50); do
	mosquitto_pub -p $port -q 1 -l -t "cunbao/v1/rollup/c$c/mixed/2023-12" <"$dir/in-$c.txt" &
	pubs="$pubs $!"
done
wait $pubs
while :; do
	got=$(sqlite3 "$dir/fed.db" 'SELECT count(*) FROM fed_journal' 2>/dev/null || echo 0)
	[ "$got" -ge "$n" ] && break
	kill -0 $dpid || { echo "cunbaod died"; tail "$dir/cunbaod.log"; exit 1; }
	sleep 0.05
done
t1=$(date +%s.%N)
echo "$n child rollups journaled and kept in $(echo "$t1 - $t0" | bc) s: $(echo "$n / ($t1 - $t0)" | bc) rollups/s"
grep -c 'refused' "$dir/cunbaod.log" || true

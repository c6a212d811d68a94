#!/usr/bin/env bash
# The web workspace's server time per page, on the demo federation (a measurement, not a
# test): `vrs demo --keep --ui --months 12` (three States, twelve released months, the
# secretariat's node), then every page of each role requested N times with the session
# cookie; the server's own time is read from each answer's Server-Timing header.
# Prints one line per page: median and p99 in milliseconds, and the page's size; then
# the form submission (POST of a movement → its receipt page), median and p99.
#
#   cargo build --release -p vrs-cli && deploy/ui-bench.sh            # N=100
#   VRS=target/release/vrs N=200 deploy/ui-bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
VRS=${VRS:-target/release/vrs}
N=${N:-100}
SUBMISSIONS=${SUBMISSIONS:-50}
MONTHS=${MONTHS:-12}
for tool in curl python3; do command -v "$tool" >/dev/null || { echo "ui-bench: needs $tool" >&2; exit 1; }; done
[ -x "$VRS" ] || { echo "ui-bench: no $VRS (cargo build --release -p vrs-cli)" >&2; exit 1; }

work=$(mktemp -d)
trap 'kill "$demo" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
HOME="$work/home" "$VRS" demo --keep --ui --ui-listen 127.0.0.1:0 --months "$MONTHS" \
    --reports "${REPORTS:-200}" --dir "$work/demo" >"$work/demo.out" 2>"$work/demo.err" &
demo=$!
# The demo prints the workspace's address once the federation is up and released.
for _ in $(seq 1 1200); do
    url=$(grep -o 'http://127.0.0.1:[0-9]*/?token=[A-Za-z0-9_-]*' "$work/demo.out" || true)
    [ -n "$url" ] && break
    kill -0 "$demo" 2>/dev/null || { cat "$work/demo.err" >&2; exit 1; }
    sleep 0.5
done
[ -n "$url" ] || { echo "ui-bench: the demo printed no address" >&2; exit 1; }
base=${url%%/?token=*}
jar="$work/cookies"
curl -s -o /dev/null -c "$jar" "$url"

csrf() { curl -s -b "$jar" "$base/" | grep -o 'name="csrf" value="[^"]*"' | head -1 | sed 's/.*value="//; s/"$//'; }
switch() { # switch the session to the profile named $1
    local page idx
    page=$(curl -s -b "$jar" "$base/")
    idx=$(printf '%s' "$page" | grep -o "<option value=\"[0-9]*\"[^>]*>$1</option>" | grep -o 'value="[0-9]*"' | grep -o '[0-9]*')
    curl -s -o /dev/null -b "$jar" -H "Origin: $base" --data "csrf=$(csrf)&profile=$idx" "$base/profile"
}
# One page N times: median and p99 of the server's time (ms), bytes.
measure() {
    local path=$1
    for _ in $(seq 1 "$N"); do
        curl -s -D - -o "$work/body" -b "$jar" "$base$path" | tr -d '\r' | grep -i '^server-timing:' | sed 's/.*dur=//'
    done >"$work/times"
    python3 -c '
import sys, statistics
xs = sorted(float(l) for l in open(sys.argv[3]) if l.strip())
p99 = xs[min(len(xs) - 1, int(round(0.99 * (len(xs) - 1))))]
print(f"{sys.argv[1]:<44} median {statistics.median(xs):7.2f} ms  p99 {p99:7.2f} ms  n={len(xs)}  {int(sys.argv[2]):>8} B")
' "$path" "$(wc -c <"$work/body")" "$work/times"
}

echo "vrs ui server time per page: demo federation, $MONTHS months × 3 States, N=$N requests each"
echo "-- focal point (aus-desk)"
switch aus-desk
id=$(curl -s -b "$jar" "$base/focal/reports" | grep -o 'href="/focal/reports/[0-9a-f-]*"' | head -1 | grep -o '[0-9a-f-]\{36\}')
for p in / /focal/new /focal/new/movement /focal/reports "/focal/reports/$id" "/focal/receipt/$id/1" /focal/upload /verify; do
    measure "$p"
done
echo "-- secretariat (roseap)"
switch roseap
for p in / /dashboard "/dashboard?table=MOVEMENTS" "/dashboard?table=FEES"; do
    measure "$p"
done
echo "-- operator (aus-admin)"
switch aus-admin
for p in / /operator/sync /operator/keys /operator/releases; do
    measure "$p"
done

# A movement sent from its form, N times: the POST (validated, signed, journalled and
# synced, sent, its receipt verified and saved) and the receipt page it leads to.
switch aus-desk
token=$(csrf)
form="csrf=$token&agency=COAST_GUARD&observed_on=2026-10-02&body.movement.detected_on=2026-10-02"
form+="&body.movement.place_type=SEA&body.movement.direction=ENTRY&body.movement.method=SEA"
form+="&body.movement.sub_method=SMALL_BOAT&body.movement.route%5B0%5D.from_country=LKA"
form+="&body.movement.route%5B0%5D.to_country=IDN&body.movement.route%5B0%5D.transport_mode=AIR"
form+="&body.movement.route%5B1%5D.from_country=IDN&body.movement.route%5B1%5D.to_country=AUS"
form+="&body.movement.route%5B1%5D.transport_mode=SEA&body.movement.persons%5B0%5D.citizenship=LKA"
form+="&body.movement.persons%5B0%5D.sex=M&body.movement.persons%5B0%5D.age_band=Y18T29"
form+="&body.movement.smuggling_involved=Y&do=submit"
# Each a different report (the outbox answers the same form sent twice with the first
# receipt): its group counts i persons.
for i in $(seq 1 "$SUBMISSIONS"); do
    # time_total with -L: the POST and the receipt page it redirects to, end to end.
    curl -s -o "$work/receipt" -L -b "$jar" -H "Origin: $base" -w '%{time_total}\n' --data "$form&body.movement.persons%5B0%5D.count=$i" "$base/focal/new/movement"
    grep -q 'receipt-status[^>]*>verified' "$work/receipt" || { echo "ui-bench: a submission shows no verified receipt" >&2; exit 1; }
    grep -o 'receipt-index">[0-9]*' "$work/receipt" | sed 's/.*>//' >>"$work/indexes"
done | python3 -c '
import sys, statistics
xs = sorted(1000 * float(l) for l in sys.stdin if l.strip())
p99 = xs[min(len(xs) - 1, int(round(0.99 * (len(xs) - 1))))]
print(f"form submission → receipt page (POST + redirect + GET, wall clock) median {statistics.median(xs):.1f} ms  p99 {p99:.1f} ms  n={len(xs)}")
'
echo "distinct log indexes of the submissions: $(sort -u "$work/indexes" | wc -l) of $SUBMISSIONS"

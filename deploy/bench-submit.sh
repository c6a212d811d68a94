#!/usr/bin/env bash
# Bulk submission benchmark: N NDJSON lines (default 50,000) submitted by the AUS focal
# point of a running example federation (deploy/run-local-federation.sh DIR), once with
# the outbox's journal and once without (the hidden --no-outbox), in one run. Prints what
# `vrs submit` says of each: records/s of the sending, the time to the first receipt, and
# the wall time of the whole command (reading, validating, signing, journalling, sending).
#
#   deploy/bench-submit.sh /tmp/fed [N]
set -euo pipefail
fed=${1:?the federation directory}
n=${2:-50000}
here=$(cd "$(dirname "$0")" && pwd)
bin=${VRS_BIN_DIR:-$here/../target/release}
work=$(mktemp -d)
export XDG_STATE_HOME=$work/state
python3 - "$here/examples/movement.json" "$n" "$work" <<'PY'
import json, sys
m = json.load(open(sys.argv[1])); n = int(sys.argv[2]); work = sys.argv[3]
for name, deaths in (("journal", 0), ("nojournal", 1)):
    with open(f"{work}/{name}.ndjson", "w") as f:
        for i in range(n):
            mv = m["body"]["movement"]
            mv["persons"][0]["count"] = 1 + i % 40
            mv["persons"][1]["count"] = 1 + (i // 40) % 40
            mv["injuries"] = i % 5
            mv["deaths"] = deaths
            f.write(json.dumps(m, separators=(",", ":")) + "\n")
PY
for run in journal nojournal; do
    flag=()
    [ "$run" = nojournal ] && flag=(--no-outbox)
    start=$(date +%s.%N)
    "$bin/vrs" --config "$fed/vrs.toml" --profile aus-fp1 submit "$work/$run.ndjson" \
        "${flag[@]}" --jobs 32 --receipts "$work/receipts-$run" -o json >/dev/null 2>"$work/$run.err"
    end=$(date +%s.%N)
    echo "$run: $(grep answered "$work/$run.err" | sed 's/^vrs: //'); wall $(python3 -c "print(round($end - $start, 1))") s"
done
rm -rf "$work"

#!/usr/bin/env bash
# Runs every fuzz target in turn (outside CI): each for 10 million executions or
# SECONDS_PER_TARGET seconds (default 1800), whichever comes first, from the committed
# seeds in corpus/<target> (new inputs go to work/<target>, not committed). Prints
# libFuzzer's last stats line per target; crashes land in artifacts/<target>/.
set -uo pipefail
cd "$(dirname "$0")"
secs=${SECONDS_PER_TARGET:-1800}
targets=${*:-report note receipt cosignature release cursor bulk config}
for t in $targets; do
    mkdir -p "work/$t" "artifacts/$t"
    log="work/$t.log"
    nice -n 19 cargo +nightly fuzz run -O "$t" "work/$t" "corpus/$t" -- \
        -runs=10000000 -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="artifacts/$t/" -print_final_stats=1 >"$log" 2>&1
    echo "$t: exit $? $(grep -E '^stat::number_of_executed_units' "$log" | tail -1) $(ls "artifacts/$t" | wc -l) artifacts"
done

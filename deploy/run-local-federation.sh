#!/usr/bin/env bash
# Runs the example three-State federation of deploy/federation on this machine, from the
# built binaries: a DEVELOPMENT PKI (`vrs pki init`), the nodes of AUS, IDN and THA on
# 127.0.0.1:7401-7403 (metrics on 9401-9403), each one a peer of the others, each focal
# point's key registered by its admin, the example reports submitted by the AUS focal
# point, an audit of the three logs by the secretariat ROSEAP, the releases of March 2026,
# one sync round and the secretariat's regional table. Then it keeps the federation
# running until Ctrl-C.
#
#   cargo build --release --bin vrs --bin vrs-node
#   deploy/run-local-federation.sh [DIR]        # DIR: default a new directory in /tmp
#
# Environment: VRS_BIN_DIR (default target/release), ONCE=1 to stop after the scenario.
# FEDERATION_STEP=configure (the PKI and the node configurations only) or scenario (the
# scenario only, against nodes already running from DIR/nodes/*/vrs-node.toml) runs one
# part: cli/tests/readme.rs does so around nodes it runs in-process.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
bin=${VRS_BIN_DIR:-$root/target/release}
once=${ONCE:-}
part=${FEDERATION_STEP:-all}
case "$part" in
all) need="vrs vrs-node" ;;
configure | scenario) need="vrs" ;;
*)
    echo "FEDERATION_STEP must be configure or scenario, not $part" >&2
    exit 2
    ;;
esac
if [ "$part" != all ] && [ -z "${1:-}" ]; then
    echo "FEDERATION_STEP=$part needs the federation directory" >&2
    exit 2
fi
for b in $need; do
    if [ ! -x "$bin/$b" ]; then
        echo "no $bin/$b: run 'cargo build --release --bin vrs --bin vrs-node' (or set VRS_BIN_DIR)" >&2
        exit 1
    fi
done
fed=${1:-$(mktemp -d /tmp/vrs-federation.XXXXXX)}

# Start from a clean slate: a client variable of the calling shell (VRS_PROFILE,
# VRS_ENDPOINT, ...) would send the scenario's commands elsewhere, and a node variable
# (VRS_NODE_...) would apply to all three nodes.
for v in $(env | sed -n 's/^\(VRS_[A-Z0-9_]*\)=.*/\1/p'); do
    unset "$v"
done

vrs() { "$bin/vrs" "$@"; }
step() { printf '\n== %s\n' "$*"; }

if [ "$part" != scenario ]; then
    step "a DEVELOPMENT PKI in $fed"
    vrs pki init --federation "$fed" --states AUS,IDN,THA --secretariat ROSEAP
    cp "$here/federation/roseap/roseap.toml" "$fed/roseap.toml"
    step "the node configurations: deploy/federation/<state>/vrs-node.toml and the peers"
    for s in AUS IDN THA; do
        lower=$(echo "$s" | tr '[:upper:]' '[:lower:]')
        cat "$here/federation/$lower/vrs-node.toml" "$fed/nodes/$s/peers.toml" \
            >"$fed/nodes/$s/vrs-node.toml"
        echo "$fed/nodes/$s/vrs-node.toml"
    done
fi
if [ "$part" = configure ]; then
    exit 0
fi

pids=()
stop_nodes() {
    for p in ${pids[@]+"${pids[@]}"}; do
        kill -TERM "$p" 2>/dev/null || true
    done
    for p in ${pids[@]+"${pids[@]}"}; do
        wait "$p" 2>/dev/null || true
    done
    pids=()
}
trap stop_nodes EXIT
trap 'exit 130' INT TERM

if [ "$part" = all ]; then
    step "the nodes"
    for s in AUS IDN THA; do
        "$bin/vrs-node" run --config "$fed/nodes/$s/vrs-node.toml" >"$fed/nodes/$s/node.log" 2>&1 &
        pids+=("$!")
    done
    for i in 0 1 2; do
        s=$(echo AUS IDN THA | cut -d' ' -f$((i + 1)))
        log="$fed/nodes/$s/node.log"
        for _ in $(seq 1 200); do
            grep -q '^listening on' "$log" && break
            if ! kill -0 "${pids[$i]}" 2>/dev/null; then
                echo "the node of $s exited:" >&2
                cat "$log" >&2
                exit 1
            fi
            sleep 0.05
        done
        grep -q '^listening on' "$log" || { echo "the node of $s did not start" >&2; exit 1; }
        echo "$s: $(grep -m1 '^listening on' "$log"), log $log"
    done
fi

cfg="$fed/vrs.toml"
step "each admin registers its focal point's signing key"
for s in aus idn tha; do
    vrs --config "$cfg" --profile "$s-admin" keys register --focal-point "$s-fp1" \
        "$fed/clients/$s-fp1/signing.key.pub"
done

step "the AUS focal point submits the example reports (JSON, NDJSON, CSV)"
vrs --config "$cfg" --profile aus-fp1 submit --receipts "$fed/receipts" \
    "$here/examples/movement.json" "$here/examples/reports.ndjson" "$here/examples/fees.csv"

step "a receipt checked offline, with the node's public key only"
receipt=$(ls "$fed"/receipts/*/*.tlog-proof | head -n 1)
vrs receipt verify "$receipt" --key "$fed/nodes/AUS/node.vkey"

step "the AUS focal point lists its State's reports"
vrs --config "$cfg" --profile aus-fp1 list

step "the secretariat audits the three logs (twice: the second run checks consistency)"
export XDG_STATE_HOME="$fed/state"
vrs --config "$fed/roseap.toml" audit --node aus --node idn --node tha
vrs --config "$cfg" --profile idn-fp1 submit --receipts "$fed/receipts" "$here/examples/movement.json"
vrs --config "$fed/roseap.toml" audit --node aus --node idn --node tha

step "each admin releases March 2026, a closed period: six signed tables per node"
for s in aus idn tha; do
    vrs --config "$cfg" --profile "$s-admin" releases release 2026-M03
done

step "each node syncs with its peers, so that each holds (and relays) every release"
for s in aus idn tha; do
    vrs --config "$cfg" --profile "$s-admin" sync now
done

step "the secretariat sums the movements of March 2026 from one node, each release verified under its origin's key"
vrs --config "$fed/roseap.toml" region table --table MOVEMENTS --period 2026-M03

if [ "$part" = scenario ]; then
    exit 0
fi
if [ -n "$once" ]; then
    step "done (ONCE is set): stopping the nodes"
    exit 0
fi
step "the federation is running; Ctrl-C stops it"
cat <<EOF
Try, for example:
  $bin/vrs --config $cfg --profile aus-fp1 list
  $bin/vrs --config $cfg --profile tha-fp1 submit $here/examples/fees.csv --receipts $fed/receipts
  $bin/vrs --config $cfg --profile aus-admin keys list
  XDG_STATE_HOME=$fed/state $bin/vrs --config $fed/roseap.toml audit --node aus --node idn --node tha
  $bin/vrs --config $fed/roseap.toml releases list --period 2026-M03
  $bin/vrs --config $cfg --profile aus-admin sync status
Metrics: curl -s http://127.0.0.1:9401/metrics
EOF
wait

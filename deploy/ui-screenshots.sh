#!/usr/bin/env bash
# Regenerates the README's screenshots of the web workspace (docs/workspace-*.png): the
# browser tests of `vrs ui` (cli/tests/workspace/) take them in headless Chromium, under
# target/ui-screenshots/, as they drive the pages; this copies the ones the README shows.
#
#   deploy/ui-screenshots.sh          # needs chromium and chromium-driver (Debian)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test -p vrs-cli --test workspace --locked
for s in dashboard form-movement receipt operator; do
    cp "target/ui-screenshots/$s.png" "docs/workspace-$s.png"
done
ls -l docs/workspace-*.png

#!/usr/bin/env bash
# Fetches the State's design system (npm @gouvfr/dsfr, pinned) into
# vendor/dsfr/dist, for `relais demo --dsfr-dir vendor/dsfr/dist` or
# `[ui] dsfr_dir`. Its terms of use reserve it to the State's services:
# operators who are not the State keep the neutral theme.
set -euo pipefail
cd "$(dirname "$0")/.."
version=1.15.3
mkdir -p vendor/dsfr
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "@gouvfr/dsfr@$version" >/dev/null)
tar xzf "$work/gouvfr-dsfr-$version.tgz" -C "$work"
rm -rf vendor/dsfr/dist
cp -r "$work/package/dist" vendor/dsfr/dist
echo "DSFR $version in vendor/dsfr/dist — run: cargo run --bin relais -- demo --dsfr-dir vendor/dsfr/dist"

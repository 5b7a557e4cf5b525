#!/usr/bin/env bash
# Makes sure promtool is there for tools/check-alerts.js (the alert rules' tests): Debian's
# `prometheus` package, installed with apt-get when missing (only promtool is used; no Prometheus
# server is started).
set -euo pipefail

command -v promtool >/dev/null && exit 0
if ! command -v apt-get >/dev/null; then
  echo "promtool: missing and this is not a Debian-like system; install Prometheus's promtool" >&2
  exit 1
fi
sudo=()
[[ $(id -u) -eq 0 ]] || sudo=(sudo)
echo "promtool: installing Debian's prometheus package"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get install -y -q --no-install-recommends prometheus >/dev/null ||
  { "${sudo[@]}" apt-get update -q >/dev/null &&
    "${sudo[@]}" apt-get install -y -q --no-install-recommends prometheus >/dev/null; }
command -v promtool >/dev/null || { echo "promtool: did not install" >&2; exit 1; }

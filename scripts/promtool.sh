#!/usr/bin/env bash
# Makes sure promtool is there for tools/check-alerts.js (the alert rules' tests): Debian's
# `prometheus` package, installed with apt-get when missing (only promtool is used; no Prometheus
# server is started).
set -euo pipefail

command -v promtool >/dev/null && exit 0
echo "promtool: installing Debian's prometheus package"
bash "$(dirname "$0")/apt-install.sh" --no-install-recommends prometheus
command -v promtool >/dev/null || { echo "promtool: did not install" >&2; exit 1; }

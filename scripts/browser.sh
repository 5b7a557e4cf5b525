#!/usr/bin/env bash
# Makes sure the browser of the web app's end-to-end tests and budgets is there: Debian's chromium
# (CHROMIUM_PATH, default /usr/bin/chromium), installed with apt-get when missing. Never a browser
# download from elsewhere.
set -euo pipefail

chromium=${CHROMIUM_PATH:-/usr/bin/chromium}
[[ -x "$chromium" ]] && exit 0
if [[ -n "${CHROMIUM_PATH:-}" ]]; then
  echo "browser: CHROMIUM_PATH=$chromium is not an executable" >&2
  exit 1
fi
echo "browser: installing Debian's chromium"
bash "$(dirname "$0")/apt-install.sh" chromium
[[ -x "$chromium" ]] || { echo "browser: chromium did not install at $chromium" >&2; exit 1; }

#!/usr/bin/env bash
# Installs Debian packages with apt-get (as root, or through sudo), refreshing the package lists
# once if the first try fails: `bash scripts/apt-install.sh [apt-get options] <package>...`. Quiet but for errors.
set -euo pipefail

if ! command -v apt-get >/dev/null; then
  echo "apt-install: not a Debian-like system; install $* by hand" >&2
  exit 1
fi
sudo=()
[[ $(id -u) -eq 0 ]] || sudo=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get install -y -q "$@" >/dev/null ||
  { "${sudo[@]}" apt-get update -q >/dev/null &&
    "${sudo[@]}" apt-get install -y -q "$@" >/dev/null; }

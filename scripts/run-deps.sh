#!/usr/bin/env bash
# The Debian packages `make run` needs to install firsthand itself, only those missing:
# PyICU (TR39 look-alike author names) builds against ICU with pkg-config and a C++ compiler;
# fonts-noto-core has the Persian letters `firsthand recovery sheet` prints (Noto Sans Arabic).
set -euo pipefail
packages=(libicu-dev pkg-config g++ fonts-noto-core)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

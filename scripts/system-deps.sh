#!/usr/bin/env bash
# Installs the Debian packages the tests need, only those missing, so a warm machine skips apt.
set -euo pipefail
# libicu-dev, pkg-config: PyICU builds against ICU (TR39 look-alike names);
# postgresql: the PostgreSQL back end's tests (a throw-away cluster);
# golang: the interop checker (Go's x/mod); chromium + fonts: browser tests (Persian glyphs);
# ffmpeg, mat2, exiftool: media cleaning and its read-back;
# ceph-mon, ceph-osd, radosgw: a real S3-compatible server for the tile and media export tests;
# wrk: the load generator of bench/web.py and bench/load.py (`make bench`);
# golang-github-rwcarlsen-goexif-dev: real cameras' EXIF samples for the media corpus (tests/media/corpus.py).
# nginx: the reverse proxy of docs/deploy.md, with TLS in front of the site (tests/e2e/test_https_proxy.py).
# poppler-utils, zbar-tools: the printed proof is rendered from PDF and its QR code read back (tests/e2e/test_layout_and_print.py).
packages=(libicu-dev pkg-config postgresql golang-go golang-golang-x-mod-dev chromium fonts-noto-core ffmpeg mat2
  libimage-exiftool-perl ceph-mon ceph-osd radosgw wrk golang-github-rwcarlsen-goexif-dev
  nginx poppler-utils zbar-tools)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node and npm (the browser crypto's tests, axe-core): Debian's only where none is installed,
# so a machine's own Node is never replaced.
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# axe-core, injected by the browser tests (from the npm registry, pinned by package-lock.json).
if [ ! -f tests/e2e/node_modules/axe-core/axe.min.js ]; then
  (cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error)
fi

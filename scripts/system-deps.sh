#!/usr/bin/env bash
# Install the Debian packages Revaluation needs when they are missing:
# Pango for WeasyPrint (PDF reports), Chromium for the browser tests, poppler-utils
# (pdftotext/pdftoppm) for report checks, Noto fonts for Welsh and Urdu/Arabic pages,
# Redis and nginx for the job queue tests and the topology smoke test.
# Skips quietly when everything is present.
set -euo pipefail
need=()
ldconfig -p 2>/dev/null | grep -q 'libpango-1.0.so' || need+=(libpango-1.0-0 libpangoft2-1.0-0)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
fc-list 2>/dev/null | grep -qi 'dejavu' || need+=(fonts-dejavu-core)
# Redis and nginx: the loopback production topology of scripts/topology_smoke.py.
PATH="$PATH:/usr/sbin:/sbin" command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
PATH="$PATH:/usr/sbin:/sbin" command -v nginx >/dev/null 2>&1 || need+=(nginx)
# Noto: Welsh diacritics and the Urdu/Arabic glyphs DejaVu lacks, as respondents' phones have.
fc-list :lang=ur 2>/dev/null | grep -q . || need+=(fonts-noto-core)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null 2>&1; then
  echo "Missing system packages: ${need[*]} (install them with your package manager)." >&2
  exit 0
fi
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "Installing system packages: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null

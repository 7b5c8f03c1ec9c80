#!/usr/bin/env bash
# Installs what minke needs to build and test (Debian packages), idempotently,
# then configures and builds the release tree in build/.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(build-essential cmake ninja-build libopenblas-openmp-dev nlohmann-json3-dev libcli11-dev
          libgtest-dev clang clang-format libclang-rt-14-dev libomp-14-dev
          pkg-config libpcre2-dev zlib1g-dev libtomlplusplus-dev libutf8proc-dev
          libcpp-httplib-dev)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

JOBS=${JOBS:-$(nproc)}
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C build -j "$JOBS"

#!/usr/bin/env bash
# Optional suites (not run by CI): `minke serve` through the official openai
# client, and the web page in headless Chromium. Each skips with a message
# when its Python package (openai, playwright) or /usr/bin/chromium is absent.
#   pip install openai playwright; apt-get install chromium
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x build/minke ] || { echo "build/minke is missing: run scripts/setup.sh first"; exit 1; }
python3 tests/python/test_openai_client.py --minke build/minke "$@"

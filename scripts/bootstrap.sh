#!/usr/bin/env bash
# Create .venv and install the locked dependencies plus this package. Idempotent; safe to re-run.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
if [ ! -x .venv/bin/uv ]; then
  .venv/bin/python -m pip install -q --disable-pip-version-check uv
fi
stamp=.venv/.installed-$(sha256sum requirements.lock pyproject.toml | sha256sum | cut -c1-16)
if [ ! -f "$stamp" ]; then
  .venv/bin/uv pip install -q --python .venv/bin/python -r requirements.lock
  .venv/bin/uv pip install -q --python .venv/bin/python --no-deps -e .
  rm -f .venv/.installed-*
  touch "$stamp"
fi
# System tools the tests and reports use (Debian): pdfsig/pdftoppm from poppler-utils.
# libharfbuzz-subset0 lets WeasyPrint subset fonts (smaller PDFs, less render time).
# graphviz: the DOT output of `gov lineage` is tested with the real `dot`.
# chromium + chromium-driver: the explorer (/ui) is tested in a real headless browser.
if { ! command -v pdfsig >/dev/null 2>&1 || ! command -v certutil >/dev/null 2>&1 || ! command -v dot >/dev/null 2>&1 \
     || ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1 \
     || ! ldconfig -p 2>/dev/null | grep -q libharfbuzz-subset; } && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils libnss3-tools libharfbuzz-subset0 graphviz chromium chromium-driver >/dev/null) \
    || echo "warning: could not install poppler-utils/graphviz; tests needing pdfsig or dot will skip" >&2
fi

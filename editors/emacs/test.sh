#!/usr/bin/env bash
# Tests editors/emacs/asyncbook-eglot.el in Debian's Emacs with Eglot and
# go-mode, in batch mode, against `asyncbook lsp` built from this checkout.
# Installs emacs-nox, elpa-eglot and elpa-go-mode with apt when missing (as
# root; a second run installs nothing), prints "N passed, M failed" and exits
# non-zero on any failure. Never skips: a missing tool is a failure, in CI
# (CI=true) and out of it.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$(pwd)

say() { echo "editors/emacs/test.sh: $*" >&2; }

PATH=$PATH:/usr/local/go/bin
if ! command -v go >/dev/null; then
  say "the go toolchain is not on PATH"
  exit 1
fi

packages=(emacs-nox elpa-eglot elpa-go-mode)
missing=()
for p in "${packages[@]}"; do
  if [ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)" != installed ]; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    say "missing ${missing[*]}, which cannot be installed here (needs root and apt-get)"
    exit 1
  fi
  say "installing ${missing[*]} with apt"
  apt-get update -qq
  # All three at once, so that elpa-eglot's dependency on an emacs is met
  # by emacs-nox.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/asyncbook-emacs-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# HOME in $tmp: Emacs's ~/.emacs.d (native-compilation cache, Eglot's
# state) stays out of the user's home; Go's caches stay shared.
# shellcheck source=../../scripts/temp-home.sh
. "$repo/scripts/temp-home.sh"
asyncbook_temp_home "$tmp/home"
go build -o "$tmp/asyncbook" ./cmd/asyncbook
export ASYNCBOOK_BIN=$tmp/asyncbook ASYNCBOOK_REPO=$repo

say "$(emacs --version | head -1), $("$ASYNCBOOK_BIN" version)"
timeout 1500 emacs --batch -Q -l editors/emacs/test/asyncbook-eglot-test.el </dev/null

#!/usr/bin/env bash
# Tests the Neovim plugin end to end in Debian's Neovim (0.7), headless,
# against `asyncbook lsp` built from this checkout. Installs Neovim with apt
# when it is missing (as root; a second run installs nothing), prints
# "N passed, M failed" and exits non-zero on any failure. Never skips: a
# missing tool is a failure, in CI (CI=true) and out of it.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$(pwd)

say() { echo "editors/nvim/test.sh: $*" >&2; }

PATH=$PATH:/usr/local/go/bin
if ! command -v go >/dev/null; then
  say "the go toolchain is not on PATH"
  exit 1
fi

if ! command -v nvim >/dev/null; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    say "nvim is missing and cannot be installed here (needs root and apt-get): apt-get install neovim"
    exit 1
  fi
  say "installing neovim with apt"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends neovim >/dev/null
fi
if ! nvim --headless -u NONE -c 'lua if vim.fn.has("nvim-0.7") == 0 then vim.cmd("cquit") end' -c 'qall!' </dev/null; then
  say "Neovim 0.7 or newer is needed; found: $(nvim --version | head -1)"
  exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/asyncbook-nvim-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# HOME in $tmp too (the XDG folders are set below); Go's caches stay shared.
# shellcheck source=../../scripts/temp-home.sh
. "$repo/scripts/temp-home.sh"
asyncbook_temp_home "$tmp/home"
go build -o "$tmp/asyncbook" ./cmd/asyncbook

# The go command's build cache stays the usual one (the private cache home
# below would otherwise start it cold, and the server's first analysis
# would rebuild the standard library's export data under the test's waits).
GOCACHE=$(go env GOCACHE)
export GOCACHE
# A private Neovim home: no user config, logs or state leak in or out.
export XDG_CONFIG_HOME=$tmp/xdg/config XDG_DATA_HOME=$tmp/xdg/data \
  XDG_STATE_HOME=$tmp/xdg/state XDG_CACHE_HOME=$tmp/xdg/cache
export ASYNCBOOK_BIN=$tmp/asyncbook ASYNCBOOK_REPO=$repo

say "$(nvim --version | head -1), $("$ASYNCBOOK_BIN" version)"
status=0
timeout 1500 nvim --headless -u editors/nvim/test/minimal_init.lua \
  -c 'luafile editors/nvim/test/e2e.lua' </dev/null || status=$?
if [ "$status" != 0 ]; then
  say "FAILED (status $status); the LSP log follows"
  tail -n 50 "$XDG_CACHE_HOME/nvim/lsp.log" "$XDG_STATE_HOME/nvim/lsp.log" 2>/dev/null >&2 || true
fi
exit "$status"

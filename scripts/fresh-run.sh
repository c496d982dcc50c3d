#!/usr/bin/env bash
# scripts/fresh-run.sh [--twice] [--keep-tool-caches] [COMMAND...]
#
# Runs the README's test command (default: bash scripts/test.sh) the way a
# fresh machine would: in a fresh clone of the committed HEAD, with empty Go
# module and build caches, an empty npm cache, empty asyncbook tool caches
# (the Node and code-server of the VS Code test, the golangci-lint build:
# /var/cache/asyncbook on a real machine), a temporary HOME and TMPDIR, and
# CI=true. Debian packages already installed stay installed (they cannot be
# removed safely); everything else must be fetched by the project's own
# scripts. Prints the command's output, its wall time and exit status.
#
#   --twice              run it a second time with the caches the first run
#                        filled: the cold and the warm time
#   --keep-tool-caches   use /var/cache/asyncbook (ASYNCBOOK_CACHE) as it is
#                        instead of an empty one
#
# The scratch folder is removed at the end unless KEEP=1. Uncommitted changes
# are not part of the run: commit first.
set -u
usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; }
twice=0
keep_tools=0
while [ $# -gt 0 ]; do
  case $1 in
  --twice) twice=1 ;;
  --keep-tool-caches) keep_tools=1 ;;
  -h | --help)
    usage
    exit 0
    ;;
  --) shift; break ;;
  -*)
    echo "fresh-run.sh: unknown option $1" >&2
    usage >&2
    exit 2
    ;;
  *) break ;;
  esac
  shift
done
[ $# -gt 0 ] || set -- bash scripts/test.sh

root=$(git -C "$(dirname "$0")" rev-parse --show-toplevel 2>/dev/null) || {
  echo "fresh-run.sh: not inside a git checkout" >&2
  exit 2
}
if [ -n "$(git -C "$root" status --porcelain)" ]; then
  echo "fresh-run.sh: note: uncommitted changes in $root are not part of the run" >&2
fi
command -v go >/dev/null || {
  echo "fresh-run.sh: the go toolchain is not on PATH (Go 1.26 or newer is needed)" >&2
  exit 2
}
scratch=$(mktemp -d "${TMPDIR:-/tmp}/asyncbook-fresh-run.XXXXXX")
cleanup() {
  chmod -R u+w "$scratch" 2>/dev/null
  rm -rf "$scratch"
}
[ "${KEEP:-0}" = 1 ] || trap cleanup EXIT
git clone -q "$root" "$scratch/clone" || exit 2
mkdir -p "$scratch/home" "$scratch/gomod" "$scratch/gocache" "$scratch/npm" "$scratch/tmp" "$scratch/tools/golangci"
tool_env=()
if [ "$keep_tools" = 0 ]; then
  tool_env=(ASYNCBOOK_CACHE="$scratch/tools" ASYNCBOOK_GOLANGCI_CACHE="$scratch/tools/golangci")
fi

echo "fresh-run.sh: $* in $scratch/clone at $(git -C "$scratch/clone" rev-parse --short HEAD)"
echo "fresh-run.sh: empty caches (Go modules, Go build, npm$([ "$keep_tools" = 0 ] && echo ", asyncbook tools")), HOME=$scratch/home"
rc=0
for run in 1 2; do
  [ "$run" = 1 ] || [ "$twice" = 1 ] || break
  label=cold
  [ "$run" = 1 ] || label=warm
  start=$(date +%s)
  (
    cd "$scratch/clone" &&
      env HOME="$scratch/home" GOPATH="$scratch/home/go" GOMODCACHE="$scratch/gomod" GOCACHE="$scratch/gocache" \
        GOENV="$scratch/home/.config/go/env" GOFLAGS="${GOFLAGS:-} -modcacherw" \
        npm_config_cache="$scratch/npm" TMPDIR="$scratch/tmp" \
        XDG_CONFIG_HOME="$scratch/home/.config" XDG_CACHE_HOME="$scratch/home/.cache" \
        XDG_DATA_HOME="$scratch/home/.local/share" XDG_STATE_HOME="$scratch/home/.local/state" \
        "${tool_env[@]}" CI=true "$@" </dev/null
  )
  rc=$?
  secs=$(($(date +%s) - start))
  echo "fresh-run.sh: $label run: exit $rc after ${secs}s ($((secs / 60)) min $((secs % 60)) s)"
  [ "$rc" = 0 ] || break
done
exit "$rc"

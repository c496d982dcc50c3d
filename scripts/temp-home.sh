# shellcheck shell=bash
# Sourced by scripts/test.sh and the editors' test scripts:
#   asyncbook_temp_home DIR
# runs the rest of the script with HOME and the XDG base folders inside DIR,
# so that no test (code-server's config, Emacs's native-compilation cache,
# Neovim's logs, Chromium's profile) writes into the user's home. The tool
# caches a test run should share with the user's own work (Go's module and
# build caches and go env settings, npm's cache and npmrc, git's global
# config, which may mark the checkout a safe.directory) stay where they are:
# they are pinned by their own variables before HOME moves.
asyncbook_temp_home() {
  local dir=$1
  if command -v go >/dev/null; then
    GOPATH="$(go env GOPATH)" GOMODCACHE="$(go env GOMODCACHE)" GOCACHE="$(go env GOCACHE)" GOENV="$(go env GOENV)"
    export GOPATH GOMODCACHE GOCACHE GOENV
  fi
  if command -v npm >/dev/null; then
    if [ -z "${npm_config_cache:-}" ]; then
      npm_config_cache="$(npm config get cache 2>/dev/null || echo "$HOME/.npm")"
      export npm_config_cache
    fi
    if [ -z "${npm_config_userconfig:-}" ] && [ -f "$HOME/.npmrc" ]; then
      export npm_config_userconfig="$HOME/.npmrc"
    fi
  fi
  if [ -z "${GIT_CONFIG_GLOBAL:-}" ] && [ -f "$HOME/.gitconfig" ]; then
    export GIT_CONFIG_GLOBAL="$HOME/.gitconfig"
  fi
  mkdir -p "$dir/.config" "$dir/.local/share" "$dir/.local/state" "$dir/.cache"
  # code-server resolves the user's environment by starting a login shell,
  # which reads /etc/profile (a PATH without Go) and then ~/.profile: this
  # one keeps the PATH the tests run with, as a user's own profile does.
  printf 'export PATH=%q\n' "$PATH" >"$dir/.profile"
  export HOME="$dir" XDG_CONFIG_HOME="$dir/.config" XDG_DATA_HOME="$dir/.local/share" \
    XDG_STATE_HOME="$dir/.local/state" XDG_CACHE_HOME="$dir/.cache"
}

#!/bin/bash
# Interleaved timing of the property suite's go test run for one practice
# copy: plain, -race, leak profile, both. Builds are cached first.
set -u
export PATH=/usr/local/go/bin:$PATH
cd "$(git rev-parse --show-toplevel)"
PKG=./practice/$1  # a practice copy, e.g. the reference copied in
run() { # name, env, args
  local s e
  s=$(date +%s.%N)
  env $2 go test -count=1 -run TestProperties $3 $PKG >/dev/null 2>&1
  e=$(date +%s.%N)
  echo "$1 $(echo "$e - $s" | bc)"
}
for cfg in "plain|X=1|" "race|X=1|-race" "profile|GOEXPERIMENT=goroutineleakprofile|" "both|GOEXPERIMENT=goroutineleakprofile|-race"; do
  IFS='|' read n e a <<< "$cfg"; run "warm-$n" "$e" "$a" >/dev/null
done
for i in 1 2 3; do
  for cfg in "plain|X=1|" "race|X=1|-race" "profile|GOEXPERIMENT=goroutineleakprofile|" "both|GOEXPERIMENT=goroutineleakprofile|-race"; do
    IFS='|' read n e a <<< "$cfg"; run "$n" "$e" "$a"
  done
done

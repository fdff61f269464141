#!/usr/bin/env bash
# Builds Jaeger v2 (the all-in-one `jaeger` binary) from the Go module pinned in go.mod here.
# `go install pkg@version` refuses Jaeger (its go.mod has replace directives), so the module is
# pinned as a tool dependency of this folder (`go get -tool ...`) and built from here.
#
#   hack/jaeger/build.sh OUT_DIR
#
# Skipped when OUT_DIR/jaeger carries the stamp of the pinned version, so a warm start costs
# nothing. The build time goes to OUT_DIR/build-time.txt (cold: several CPU-minutes).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:?usage: build.sh OUT_DIR}"
pkg=github.com/jaegertracing/jaeger
command -v go >/dev/null || { echo "build.sh: Go is required (go.mod says $(sed -n 's/^go //p' "$HERE/go.mod"))" >&2; exit 1; }

version="$(cd "$HERE" && go list -m -f '{{.Version}}' "$pkg")"
stamp="$out/.jaeger.version"
if [[ -x "$out/jaeger" && "$(cat "$stamp" 2>/dev/null)" == "$version" ]]; then
  exit 0
fi
mkdir -p "$out"

# What Jaeger's own Makefile sets (scripts/makefiles/BuildInfo.mk); a module zip has no commit.
info=github.com/jaegertracing/jaeger/internal/version
ldflags="-s -w -X $info.latestVersion=$version -X $info.commitSHA= -X $info.date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"

t0=$SECONDS
(cd "$HERE" && CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" -o "$out/jaeger.tmp" "$pkg/cmd/jaeger")
mv "$out/jaeger.tmp" "$out/jaeger"
printf '%s\n' "$version" >"$stamp"
printf 'jaeger %s: %ss wall\n' "$version" "$((SECONDS - t0))" >"$out/build-time.txt"

#!/usr/bin/env bash
# Node-API prebuilds of the device-binding addon, made when the package is packed (npm pack / publish):
# prebuilds/linux-x64/hiper.node always (this machine's own architecture), prebuilds/linux-arm64/hiper.node
# when Debian's cross compiler is installed (apt-get install gcc-aarch64-linux-gnu). One Node-API build
# serves every Node version. The builds run in a scratch copy so the working tree's build/ is left alone.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cp "$root/binding.gyp" "$scratch/"
cp -r "$root/native" "$scratch/"
export PREBUILD_NODE_GYP="$root/node_modules/.bin/node-gyp"
# Headers where npm's own config says (a machine without Internet access keeps them in nodedir).
nodedir=$(npm config get nodedir)
[ "$nodedir" = undefined ] || [ -z "$nodedir" ] || export npm_config_nodedir="$nodedir"
target="node@$(node -p process.versions.node)"
prebuildify="$root/node_modules/.bin/prebuildify"
rm -rf "$root/prebuilds"

build() { # ARCH [strip program]
  "$prebuildify" --cwd "$scratch" --out "$root" --name hiper --napi --tag-libc --target "$target" --strip --strip-bin "$2" --arch "$1" >"$scratch/log" 2>&1 || { cat "$scratch/log"; return 1; }
  rm -rf "$scratch/build"
  echo "hiper: prebuilt addon for linux-$1: $(ls "$root/prebuilds/linux-$1")"
}

build "$(node -p process.arch)" strip
if [ "$(node -p process.arch)" != arm64 ]; then
  if command -v aarch64-linux-gnu-gcc >/dev/null; then
    CC=aarch64-linux-gnu-gcc LINK=aarch64-linux-gnu-gcc build arm64 aarch64-linux-gnu-strip
  else
    echo "hiper: no prebuilt addon for linux-arm64 (no cross compiler: apt-get install gcc-aarch64-linux-gnu)"
  fi
fi

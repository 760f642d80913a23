#!/usr/bin/env bash
# Runs every test suite of openvod: unit, store conformance on SQLite and
# PostgreSQL, official SDK conformance (Node.js and Go), restart and crash
# tests, and the fuzz corpus. It installs and starts what the tests need
# (ffmpeg, the DejaVu font, Node.js, Chromium, a Chinese font, PostgreSQL, the versitygw S3 server) when they are missing. No suite skips itself.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_updated=""
apt_install() {
  if [ -z "$apt_updated" ]; then as_root apt-get update -qq; apt_updated=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

command -v ffmpeg >/dev/null && command -v ffprobe >/dev/null || { echo "installing ffmpeg"; apt_install ffmpeg; }
# The font of text watermarks (process.FontFile).
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || { echo "installing fonts-dejavu-core"; apt_install fonts-dejavu-core; }
command -v node >/dev/null && command -v npm >/dev/null || { echo "installing Node.js"; apt_install nodejs npm; }
# The browser of the HLS check (e2e/hls_browser_test.go): Debian's Chromium.
[ -x /usr/bin/chromium ] || { echo "installing Chromium"; apt_install chromium; }
# A font with Chinese glyphs, so that the console's screenshots show the
# fixture's Chinese name (e2e browserScripts checks that one is installed).
[ -n "$(fc-list :lang=zh family 2>/dev/null)" ] || { echo "installing fonts-wqy-microhei"; apt_install fontconfig fonts-wqy-microhei; }

# PostgreSQL on loopback (docs/wire.md §7), unless OPENVOD_TEST_POSTGRES_URL points elsewhere.
if [ -z "${OPENVOD_TEST_POSTGRES_URL:-}" ]; then
  if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
    if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then echo "installing PostgreSQL"; apt_install postgresql; fi
    ver=$(ls /etc/postgresql | sort -V | tail -1)
    conf=/etc/postgresql/$ver/main/pg_hba.conf
    # Trust auth on loopback for the postgres user, as the tests expect.
    if ! grep -q '^host all postgres 127.0.0.1/32 trust' "$conf"; then
      as_root sed -i '1i host all postgres 127.0.0.1/32 trust\nhost all postgres ::1/128 trust' "$conf"
    fi
    as_root pg_ctlcluster --skip-systemctl-redirect "$ver" main start || as_root pg_ctlcluster --skip-systemctl-redirect "$ver" main reload
    for _ in $(seq 1 50); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 0.2; done
  fi
fi

# The S3 server of the object-storage tests (blob/s3/s3test), built once into
# the user's cache directory; later runs take it from there in no time.
versitygw_version=v1.8.0
versitygw_dir="${XDG_CACHE_HOME:-$HOME/.cache}/openvod/tools/versitygw-$versitygw_version"
if [ ! -x "$versitygw_dir/versitygw" ]; then
  echo "installing versitygw $versitygw_version (S3 server for the tests; a few minutes the first time)"
  GOBIN="$versitygw_dir" go install "github.com/versity/versitygw/cmd/versitygw@$versitygw_version"
fi
export OPENVOD_VERSITYGW="$versitygw_dir/versitygw"

(cd sdktest/node && npm ci --no-audit --no-fund --loglevel=error)
(cd e2e/browser && npm ci --no-audit --no-fund --loglevel=error)

go vet ./...
go test -count=1 -timeout 15m $(go list ./... | grep -v -e /e2e/fault -e /e2e/crash)
# The crash and fault suites measure what gets through while servers are
# killed within fixed times: they run after the rest, one at a time, so that
# no other package competes with them for the cores.
echo "== crash suite (SIGKILL during production, push and pull, two servers)"
go test -count=1 -timeout 10m ./e2e/crash/
echo "== fault suite (crash loop, receiver faults, PostgreSQL restart, full volume)"
log=$(mktemp)
status=0
go test -count=1 -timeout 8m -v ./e2e/fault/ >"$log" 2>&1 || status=$?
if [ "$status" -ne 0 ]; then cat "$log"; exit "$status"; fi
grep -E 'invariants|^(--- |ok )' "$log"

#!/usr/bin/env bash
# Runs the official Okta Python SDK against the okta-mock binary.
#
# Creates (or reuses) a virtualenv under the cargo target folder and
# installs the `okta` package from PyPI. Then it starts `okta-mock` on a
# free loopback port, with the demo org served 10 users per page and a DPoP
# service app registered, and runs interop.py against it.
# Environment: OKTA_SDK_VERSION (default 3.4.6), CARGO_TARGET_DIR, PYTHON.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
python="${PYTHON:-python3}"
sdk_version="${OKTA_SDK_VERSION:-3.4.6}"
venv="$target/okta-mock-python/venv-$sdk_version"

cargo build --quiet --package okta-mock --bin okta-mock --manifest-path "$root/Cargo.toml"
binary="$target/debug/okta-mock"

if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import okta" 2>/dev/null; then
    echo "installing okta==$sdk_version into $venv" >&2
    "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "okta==$sdk_version"
fi

work="$(mktemp -d)"
server_pid=""
cleanup() {
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

key="$root/okta-mock/tests/data/test-rsa-key.pem"
"$venv/bin/python" "$here/interop.py" config "$key" >"$work/config.json"
"$binary" --port 0 --token interop-token --page-size users=10 --config "$work/config.json" \
    >"$work/stdout" 2>"$work/stderr" &
server_pid=$!

base_url=""
for _ in $(seq 1 100); do
    base_url="$(head -n 1 "$work/stdout" 2>/dev/null || true)"
    if [ -n "$base_url" ]; then
        break
    fi
    if ! kill -0 "$server_pid" 2>/dev/null; then
        echo "okta-mock exited before printing its URL:" >&2
        cat "$work/stderr" >&2
        exit 1
    fi
    sleep 0.1
done
if [ -z "$base_url" ]; then
    echo "okta-mock printed no URL within 10 seconds" >&2
    exit 1
fi

"$venv/bin/python" "$here/interop.py" "$base_url" interop-token "$key"

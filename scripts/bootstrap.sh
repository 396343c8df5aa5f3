#!/usr/bin/env bash
# Prepare a fresh Debian/Ubuntu machine: Python 3.11+, venv support, the project in .venv.
# Usage: scripts/bootstrap.sh app|test   (test also installs the test tools)
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:-app}

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"
    elif command -v sudo >/dev/null; then sudo "$@"
    else die "need root to run: $* (install sudo or run as root)"; fi
}

apt_updated=
apt_install() {
    command -v apt-get >/dev/null || die "missing system packages ($*) and no apt-get to install them"
    if [ -z "$apt_updated" ]; then as_root apt-get update -qq; apt_updated=1; fi
    say "Installing system packages: $*"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

python=
for candidate in python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null &&
        "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
        python=$(command -v "$candidate"); break
    fi
done
if [ -z "$python" ]; then
    apt_install python3
    python=$(command -v python3)
    "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' ||
        die "Python 3.11 or newer is needed; this system has $("$python" --version)"
fi

if [ ! -x .venv/bin/python ]; then
    if ! "$python" -c 'import ensurepip, venv' 2>/dev/null; then
        version=$("$python" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
        apt_install "python${version}-venv" || apt_install python3-venv
    fi
    say "Creating .venv with $("$python" --version)"
    "$python" -m venv .venv
fi

extra=$([ "$target" = test ] && echo "[test]" || echo "")
stamp=".venv/.installed-${target}"
digest=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$digest" ]; then
    say "Installing the application${extra:+ and its test tools} into .venv"
    .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
    .venv/bin/python -m pip install -q --disable-pip-version-check -e ".${extra}"
    echo "$digest" > "$stamp"
fi

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

# Qt's run-time libraries (PySide6 wheels bring Qt itself, not these system libraries).
qt_libs=(libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libfreetype6 libdbus-1-3
    libglib2.0-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-render-util0
    libxcb-image0 libxcb-xinerama0 libxcb-randr0 libxrender1 libx11-xcb1)
if command -v dpkg-query >/dev/null; then
    missing=()
    for lib in "${qt_libs[@]}"; do
        dpkg-query -W -f='${Status}' "$lib" 2>/dev/null | grep -q "ok installed" || missing+=("$lib")
    done
    [ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
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

# Byte-compile the application as installing a wheel would, so that start-up reads no source.
# (An editable install leaves that to the first run, and PYTHONDONTWRITEBYTECODE stops it.)
.venv/bin/python -m compileall -q -j 0 db desktop ui >/dev/null

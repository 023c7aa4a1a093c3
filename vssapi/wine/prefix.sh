#!/usr/bin/env bash
# prefix.sh PREFIX -- create (once) a 64-bit Wine prefix in which vshadow.exe runs.
#
# What the prefix gets, and why:
#   - wineboot --init: a fresh prefix, with Mono and Gecko installs disabled
#     (they would prompt or download, and nothing here needs them);
#   - Windows version "win10": Wine 8 reports Windows 7 by default and vshadow
#     refuses to run below Windows 8;
#   - drives E:, F: and G: (dosdevices links to folders under PREFIX/drives/),
#     because the simulated machine HOSTA has volumes C:, E:, F: and G:. Wine
#     names drive X:'s volume \\?\Volume{00000000-0000-0000-0000-0000000000<hex
#     of 'X'>}\, e.g. ...000000000045 for E:.
#
# Idempotent: when PREFIX holds the marker file written at the end of a
# successful run, it returns at once. Delete the prefix (or the marker) to redo.
#
# Environment: WINE (default /usr/lib/wine/wine64), WINESERVER (default
# /usr/lib/wine/wineserver). WINEDEBUG defaults to -all.
set -euo pipefail

if [[ $# -ne 1 || -z "$1" ]]; then
    echo "usage: $0 PREFIX" >&2
    exit 2
fi

# Bump when what this script sets up changes, so older prefixes are redone.
readonly MARKER_VERSION=1
readonly DRIVES=(e f g)

prefix=$1
mkdir -p "$prefix"
prefix=$(cd "$prefix" && pwd)   # Wine wants an absolute path
marker="$prefix/.vss-sim-prefix"

if [[ -f "$marker" && "$(cat "$marker")" == "$MARKER_VERSION" ]]; then
    exit 0
fi

wine=${WINE:-/usr/lib/wine/wine64}
wineserver=${WINESERVER:-/usr/lib/wine/wineserver}
for tool in "$wine" "$wineserver"; do
    if [[ ! -x "$tool" ]]; then
        echo "$0: $tool not found; install wine64 (Debian: apt-get install wine64) or set WINE/WINESERVER" >&2
        exit 1
    fi
done

export WINEPREFIX=$prefix
export WINEDEBUG=${WINEDEBUG:--all}
export WINEARCH=win64

# mscoree/mshtml disabled: otherwise wineboot offers to install Mono and Gecko.
WINEDLLOVERRIDES="mscoree,mshtml=" "$wine" wineboot --init
"$wineserver" -w

"$wine" reg add 'HKCU\Software\Wine' /v Version /t REG_SZ /d win10 /f >/dev/null
"$wineserver" -w

for d in "${DRIVES[@]}"; do
    mkdir -p "$prefix/drives/$d"
    ln -sfn "../drives/$d" "$prefix/dosdevices/$d:"
done

echo "$MARKER_VERSION" > "$marker"

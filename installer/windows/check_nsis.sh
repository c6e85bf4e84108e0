#!/usr/bin/env bash
# Syntax check of the Windows installer script on Linux: compiles
# installer/windows/desktop-app.nsi with makensis against a throw-away fake
# bundle (a few tiny files in place of the PyInstaller output), so a broken
# script shows up without a Windows machine or a real build.
#
#   bash installer/windows/check_nsis.sh
#
# Exits 0 when it compiles, 1 when it does not (or the setup would ask for
# administrator rights), 2 when makensis is missing.
set -euo pipefail
cd "$(dirname "$0")/../.."

SCRIPT=installer/windows/desktop-app.nsi
ICON=installer/assets/desktop-app.ico

if ! command -v makensis >/dev/null 2>&1; then
    echo "makensis (NSIS 3) is not installed." >&2
    echo "On Debian/Ubuntu: sudo apt-get install nsis   (Fedora: sudo dnf install mingw32-nsis)" >&2
    exit 2
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The layout of build/dist/desktop-app: two executables and _internal/.
bundle="$work/bundle"
mkdir -p "$bundle/_internal"
printf 'fake console executable\n' >"$bundle/desktop-app.exe"
printf 'fake windowed executable\n' >"$bundle/desktop-app-gui.exe"
printf 'fake library file\n' >"$bundle/_internal/x.txt"

setup="$work/desktop-app-check-setup.exe"
defines=(-DBUNDLE_DIR="$bundle" -DOUTFILE="$setup")
if [ ! -f "$ICON" ]; then
    # A 16x16 32-bit icon (one BMP image in an ICO container) in place of the real one.
    python3 - "$work/test.ico" <<'EOF'
import struct
import sys

size = 16
pixels = bytes([0x99, 0x55, 0x22, 0xFF]) * (size * size)  # BGRA, one colour
mask = bytes(4 * size)  # 1-bit AND mask, rows padded to 4 bytes: all opaque
header = struct.pack("<IiiHHIIiiII", 40, size, size * 2, 1, 32, 0, len(pixels) + len(mask), 0, 0, 0, 0)
image = header + pixels + mask
icon = struct.pack("<HHH", 0, 1, 1) + struct.pack("<BBBBHHII", size, size, 0, 0, 1, 32, len(image), 6 + 16) + image
with open(sys.argv[1], "wb") as out:
    out.write(icon)
EOF
    defines+=(-DICON="$work/test.ico")
    echo "($ICON is missing: using a generated test icon)"
fi

# -WX: a warning fails the check too.
if ! makensis -V2 -WX "${defines[@]}" "$SCRIPT" >"$work/makensis.log" 2>&1; then
    cat "$work/makensis.log" >&2
    echo "NSIS syntax check: FAILED ($SCRIPT)" >&2
    exit 1
fi
cat "$work/makensis.log"

# A per-user install: the setup's manifest must not ask for administrator rights.
level=$(grep -a -o 'requestedExecutionLevel level="[A-Za-z]*"' "$setup" | head -n 1 || true)
if [ "$level" != 'requestedExecutionLevel level="asInvoker"' ]; then
    echo "NSIS syntax check: FAILED (the setup's manifest has '${level:-no execution level}', not asInvoker)" >&2
    exit 1
fi
echo "NSIS syntax check: passed (compiled $SCRIPT with makensis $(makensis -VERSION): $(stat -c %s "$setup")-byte test setup, runs asInvoker)"

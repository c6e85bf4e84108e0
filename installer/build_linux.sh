#!/usr/bin/env bash
# Build the Linux packages into build/ and smoke-test both:
#   desktop-app-VERSION-linux-x86_64.tar.gz   unpack anywhere and run desktop-app-gui (install-desktop-entry.sh adds
#                                             the menu entry and "Open with" for PDFs for one user)
#   desktop-app_VERSION_amd64.deb             installs to /opt/desktop-app, with desktop-app and desktop-app-gui on
#                                             PATH, a menu entry, an icon and the PDF association
#
#   installer/build_linux.sh [--cuda] [--no-smoke]        (./dev dist runs this)
#
# Everything the app needs is inside: Python, Qt, llama.cpp, torch (CPU), MuPDF and the default models. The CPU
# build is the default; --cuda compiles llama.cpp with its CUDA backend in a separate virtual environment
# (.venv-cuda) and names the packages ...-cuda (see installer/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."

cuda=0
smoke=1
for arg in "$@"; do
    case "$arg" in
        --cuda) cuda=1 ;;
        --no-smoke) smoke=0 ;;
        *) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
    esac
done

flavour=""
if [ "$cuda" = 1 ]; then
    command -v nvcc >/dev/null 2>&1 || { echo "--cuda needs the CUDA toolkit (nvcc on PATH)." >&2; exit 1; }
    export DESKTOP_APP_VENV=.venv-cuda
    # The portable CPU flags plus CUDA, without NCCL (multi-GPU communication: one GPU needs none, and the
    # bundle would have to carry it); flags given in DESKTOP_APP_LLAMA_CMAKE_ARGS come last (and win).
    export DESKTOP_APP_LLAMA_CMAKE_ARGS="-DGGML_CUDA=on -DGGML_CUDA_NCCL=OFF -DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_AVX512=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF ${DESKTOP_APP_LLAMA_CMAKE_ARGS:-}"
    flavour="-cuda"
fi
venv=${DESKTOP_APP_VENV:-.venv}
started=$(date +%s)
for tool in objdump dpkg-deb; do
    command -v "$tool" >/dev/null 2>&1 || { echo "$tool is needed (Debian/Ubuntu: apt-get install binutils dpkg)." >&2; exit 1; }
done

./dev setup
"$venv/bin/pip" install --quiet -r installer/requirements-dist.txt
# PyInstaller bundles the libraries Qt's xcb plugin loads from this machine; those it lacks stay out of the .tar.gz.
lacking=$(ldd "$venv"/lib/python3*/site-packages/PySide6/Qt/plugins/platforms/libqxcb.so 2>/dev/null |
    awk '$3 == "not" {print $1}' | sort -u | tr '\n' ' ' || true)
[ -z "$lacking" ] || echo "Note: this machine lacks ${lacking}so the .tar.gz will not carry them" \
    "(the .deb depends on them; './dev run' installs them here)." >&2
version=$("$venv/bin/python" -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')
out=build
bundle=$out/dist/desktop-app
tar_name=desktop-app-$version-linux-x86_64$flavour
deb_file=$out/desktop-app${flavour}_${version}_amd64.deb
rm -rf "$out/dist" "$out/pkg"

echo "== PyInstaller bundle"
"$venv/bin/python" -m PyInstaller --noconfirm --log-level WARN --distpath "$out/dist" \
    --workpath "$out/pyinstaller" installer/desktop-app.spec

echo "== $tar_name.tar.gz"
stage=$out/pkg/tar/$tar_name
mkdir -p "$stage"
cp -a "$bundle/." "$stage/"
install -Dm644 installer/linux/desktop-app.desktop "$stage/share/applications/desktop-app.desktop"
install -Dm644 installer/assets/desktop-app.png "$stage/share/icons/hicolor/256x256/apps/desktop-app.png"
install -m755 installer/linux/install-desktop-entry.sh "$stage/install-desktop-entry.sh"
install -m644 LICENSE "$stage/LICENSE"
chmod -R u+rwX,go+rX,go-w "$stage"
tar -C "$out/pkg/tar" --owner=0 --group=0 --numeric-owner -czf "$out/$tar_name.tar.gz" "$tar_name"

echo "== $(basename "$deb_file")"
root=$out/pkg/deb
mkdir -p "$root/opt" "$root/usr/bin" "$root/DEBIAN"
cp -a "$bundle" "$root/opt/desktop-app"
ln -s /opt/desktop-app/desktop-app "$root/usr/bin/desktop-app"
ln -s /opt/desktop-app/desktop-app-gui "$root/usr/bin/desktop-app-gui"
install -Dm644 installer/linux/desktop-app.desktop "$root/usr/share/applications/desktop-app.desktop"
install -Dm644 installer/assets/desktop-app.png "$root/usr/share/icons/hicolor/256x256/apps/desktop-app.png"
install -Dm644 installer/assets/desktop-app-48.png "$root/usr/share/icons/hicolor/48x48/apps/desktop-app.png"
install -Dm644 LICENSE "$root/usr/share/doc/desktop-app$flavour/copyright"
# The newest glibc symbol any bundled library needs: the one thing taken from the system besides X11/GL.
glibc=$( (find "$bundle" -type f \( -name '*.so*' -o -name 'desktop-app*' \) -exec objdump -T {} + 2>/dev/null || true) |
    grep -o 'GLIBC_2\.[0-9]*' | sort -t. -k2 -n -u | tail -n 1 | sed 's/GLIBC_//' || true)
[ -n "$glibc" ] || { echo "Could not read the glibc version the bundle needs (objdump -T)." >&2; exit 1; }
# The system libraries the bundled Qt's X11 (xcb) platform plugin loads (desktop_app/ui/app.py's XCB_PACKAGES): the
# bundle carries those the build machine had, the system provides the rest (libGL, libEGL and libxcb always).
xcb_depends="libxcb1, libx11-6, libx11-xcb1, libxcb-cursor0, libxcb-icccm4, libxcb-image0, libxcb-keysyms1, libxcb-randr0, libxcb-render0, libxcb-render-util0, libxcb-shape0, libxcb-shm0, libxcb-sync1, libxcb-util1, libxcb-xfixes0, libxcb-xkb1, libxkbcommon0, libxkbcommon-x11-0, libegl1, libgl1, libfontconfig1, libdbus-1-3"
cat > "$root/DEBIAN/control" <<CONTROL
Package: desktop-app$flavour
Version: $version
Section: utils
Priority: optional
Architecture: amd64
Maintainer: Desktop App <dev@desktop-app.invalid>
Installed-Size: $(du -sk --exclude=DEBIAN "$root" | cut -f1)
Depends: libc6 (>= $glibc), $xcb_depends
Recommends: tesseract-ocr, tesseract-ocr-eng, tesseract-ocr-kor, fonts-nanum | fonts-noto-cjk
$( [ -n "$flavour" ] && echo "Conflicts: desktop-app" || echo "Conflicts: desktop-app-cuda" )
Description: offline assistant that answers questions about your PDFs
 Indexes PDFs and answers questions about them with a local language model,
 citing the page each statement comes from. Everything runs on this computer:
 the models are included and nothing is sent over the network.
CONTROL
# No maintainer scripts: the desktop database and icon cache are refreshed by dpkg triggers.
# Modes as the package should have them, whatever the builder's umask.
chmod -R u+rwX,go+rX,go-w "$root"
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb_file" >/dev/null

if [ "$smoke" = 1 ]; then
    python=$(command -v python3 || echo "$venv/bin/python")
    scratch=$(mktemp -d)
    trap 'rm -rf "$scratch"' EXIT
    echo "== smoke test: $tar_name.tar.gz unpacked into a temporary folder"
    mkdir -p "$scratch/tar"
    tar -xzf "$out/$tar_name.tar.gz" -C "$scratch/tar"
    "$python" installer/smoke_test.py --bundle "$scratch/tar/$tar_name"
    rm -rf "$scratch/tar"
    echo "== smoke test: $(basename "$deb_file") extracted into a temporary root"
    dpkg-deb -x "$deb_file" "$scratch/root"
    if command -v desktop-file-validate >/dev/null 2>&1; then
        desktop-file-validate "$scratch/root/usr/share/applications/desktop-app.desktop"
        echo "desktop entry: valid (desktop-file-validate)"
    fi
    "$python" installer/smoke_test.py --bundle "$scratch/root/opt/desktop-app"
fi

echo "== sizes"
printf '%-45s %8.3f GB\n' "unpacked (build/dist/desktop-app)" "$(du -sb "$bundle" | cut -f1 | awk '{print $1/1e9}')"
for file in "$out/$tar_name.tar.gz" "$deb_file"; do
    printf '%-45s %8.3f GB\n' "$(basename "$file")" "$(stat -c %s "$file" | awk '{print $1/1e9}')"
done
echo "built in $(( $(date +%s) - started )) s; glibc >= $glibc"

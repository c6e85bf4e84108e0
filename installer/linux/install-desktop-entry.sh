#!/bin/sh
# Add (or with --remove, take away) the menu entry, icon and "Open with" for PDFs for this user,
# pointing at the app in this unpacked folder. Nothing is copied but those two small files.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
data=${XDG_DATA_HOME:-$HOME/.local/share}
entry="$data/applications/desktop-app.desktop"
icon="$data/icons/hicolor/256x256/apps/desktop-app.png"
if [ "${1:-}" = "--remove" ]; then
    rm -f "$entry" "$icon"
    echo "Removed the menu entry and icon (the app folder and your data are untouched)."
else
    mkdir -p "$(dirname "$entry")" "$(dirname "$icon")"
    cp "$here/share/icons/hicolor/256x256/apps/desktop-app.png" "$icon"
    # The Exec line quotes the path as the desktop entry specification asks: \ " ` $ escaped inside the
    # quotes, every backslash doubled again for the string value, and % written %%.
    quoted=$(printf '%s' "$here/desktop-app-gui" | sed -e 's/[\\"`$]/\\&/g' -e 's/\\/\\\\/g' -e 's/%/%%/g')
    EXEC_LINE="Exec=\"$quoted\" %F" awk '/^Exec=/ { print ENVIRON["EXEC_LINE"]; next } { print }' \
        "$here/share/applications/desktop-app.desktop" > "$entry"
    echo "Added $entry"
fi
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$data/applications" || true

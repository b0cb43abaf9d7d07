#!/usr/bin/env bash
# make install / make deb (docs/OPERATIONS.md "Running it as a service"): the release
# build (.build/package, Swift's runtime linked in) laid out under PREFIX in DESTDIR —
# bin/selfcare, share/selfcare/Grammars, share/doc/selfcare, the systemd unit,
# /etc/selfcare/selfcare.toml and /etc/default/selfcare (each kept if there is one) —
# or, for a .deb, under /usr in a staging
# root turned into .build/selfcare_VERSION_ARCH.deb by dpkg-deb.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:?install or deb}
BIN=.build/package/release/selfcare
[ -x "$BIN" ] || { echo "no $BIN: make install and make deb build it first" >&2; exit 1; }

stage() {  # stage DESTDIR PREFIX UNITDIR
    local dest=$1 prefix=$2 unitdir=$3
    install -D -m 0755 "$BIN" "$dest$prefix/bin/selfcare"
    install -d "$dest$prefix/share/selfcare"
    rm -rf "$dest$prefix/share/selfcare/Grammars"
    cp -R Grammars "$dest$prefix/share/selfcare/Grammars"
    install -d "$dest$prefix/share/doc/selfcare/examples"
    install -m 0644 README.md BENCHMARKS.md docs/*.md "$dest$prefix/share/doc/selfcare/"
    cp -R Examples/. "$dest$prefix/share/doc/selfcare/examples/"
    install -d "$dest$unitdir"
    sed "s|/usr/bin/selfcare|$prefix/bin/selfcare|g" packaging/selfcare.service > "$dest$unitdir/selfcare.service"
    chmod 0644 "$dest$unitdir/selfcare.service"
    if [ ! -e "$dest/etc/default/selfcare" ]; then
        install -D -m 0644 packaging/selfcare.default "$dest/etc/default/selfcare"
    fi
    if [ ! -e "$dest/etc/selfcare/selfcare.toml" ]; then
        install -D -m 0644 packaging/selfcare.toml "$dest/etc/selfcare/selfcare.toml"
    fi
}

case $mode in
install)
    PREFIX=${PREFIX:-/usr/local}
    stage "${DESTDIR:-}" "$PREFIX" "${UNITDIR:-$PREFIX/lib/systemd/system}"
    echo "installed under ${DESTDIR:-}$PREFIX (unit: ${UNITDIR:-$PREFIX/lib/systemd/system}/selfcare.service)"
    ;;
deb)
    version=$("$BIN" --version | awk '{print $2}')
    arch=$(dpkg --print-architecture)
    root=.build/deb/root
    rm -rf .build/deb
    stage "$root" /usr /lib/systemd/system
    install -d "$root/DEBIAN"
    sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" packaging/debian/control.in > "$root/DEBIAN/control"
    install -m 0755 packaging/debian/postinst packaging/debian/prerm "$root/DEBIAN/"
    install -m 0644 packaging/debian/conffiles "$root/DEBIAN/"
    out=.build/selfcare_${version}_${arch}.deb
    dpkg-deb --root-owner-group --build "$root" "$out" >/dev/null
    echo "built $out"
    ;;
*) echo "usage: $0 install|deb" >&2; exit 2 ;;
esac

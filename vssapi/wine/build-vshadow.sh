#!/usr/bin/env bash
# build-vshadow.sh OUT_DIR -- build Microsoft's VShadow sample and the two
# replacement DLLs Wine 8 needs, with mingw-w64, into OUT_DIR:
#
#   OUT_DIR/vshadow.exe            vshadow, compiled unmodified from its folder
#   OUT_DIR/bcryptprimitives.dll   ProcessPrng, for Rust DLLs (shims/)
#   OUT_DIR/resutils.dll           the cluster functions vshadow imports (shims/)
#
# vshadow's sources are read in place from $VSHADOW_SRC, by default
# <repo>/../shared/third-party/vshadow. They are never copied or modified:
# everything g++ needs beyond mingw-w64 comes from include/ (see README.md).
#
# Objects go to OUT_DIR/obj; an object whose source, headers and flags are
# unchanged is not recompiled. JOBS sets the number of parallel compilations
# (default: number of CPUs). CXX, CC and WINDRES override the mingw-w64 tools.
set -euo pipefail

if [[ $# -ne 1 || -z "$1" ]]; then
    echo "usage: $0 OUT_DIR" >&2
    exit 2
fi

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
src=${VSHADOW_SRC:-$repo/../shared/third-party/vshadow}

if [[ ! -f "$src/shadow.cpp" || ! -f "$src/stdafx.h" ]]; then
    cat >&2 <<EOF
$0: vshadow sources not found in: $src
  They are Microsoft's VShadow sample (MIT licence), used unmodified: folder
  Samples/VShadowVolumeShadowCopy/cpp of github.com/microsoft/Windows-classic-samples
  at commit adf93f04125e0b5bd84ad0a9a073f7fea993a360. For example:
    git clone --no-checkout --filter=blob:none --sparse \\
        https://github.com/microsoft/Windows-classic-samples.git wcs
    cd wcs && git sparse-checkout set Samples/VShadowVolumeShadowCopy/cpp
    git checkout adf93f04125e0b5bd84ad0a9a073f7fea993a360
  then set VSHADOW_SRC=\$PWD/Samples/VShadowVolumeShadowCopy/cpp, or put the files
  in <repo>/../shared/third-party/vshadow (see shared/third-party/README.md).
EOF
    exit 1
fi
src=$(cd "$src" && pwd)   # normalised: it appears in __FILE__ (vshadow -tracing)

# vshadow's C++ is compiled by clang for the mingw-w64 target, with mingw-w64's headers and
# libstdc++, and linked by mingw-w64's g++. Not g++ for the compiling: vshadow passes
# `WString2Guid(a), WString2Guid(b)` as two by-value arguments of one call, each a copy of
# the one static GUID the function returns a reference to; C++17 has each parameter
# initialised before the next argument is evaluated (as MSVC and clang do), but g++
# evaluates both calls first and copies afterwards, so AddComponent and SetBackupSucceeded
# would get the writer's instance id as its class id.
cxx=${CXX:-clang++-14}
ld=${LD_CXX:-x86_64-w64-mingw32-g++}
cc=${CC:-x86_64-w64-mingw32-gcc}
windres=${WINDRES:-x86_64-w64-mingw32-windres}
for tool in "$cxx" "$ld" "$cc" "$windres"; do
    if ! command -v "$tool" >/dev/null; then
        echo "$0: $tool not found; install mingw-w64 and clang (Debian: apt-get install g++-mingw-w64-x86-64 mingw-w64-x86-64-dev clang-14)" >&2
        exit 1
    fi
done

out=$1
mkdir -p "$out/obj"
out=$(cd "$out" && pwd)
obj=$out/obj
jobs=${JOBS:-$(nproc 2>/dev/null || echo 2)}

# -DVSS_SERVER: the server-only commands (-p -nw -t -i -b -bex -el ...) are
#   compiled only with it, as in Microsoft's own builds of vshadow.
# -DNDEBUG -D_CONSOLE: the Release configuration of vshadow.vcxproj (WIN32 is
#   predefined by mingw-w64); UNICODE/_UNICODE and -municode (wmain): its
#   CharacterSet=Unicode.
# -D__USE_MINGW_ANSI_STDIO=0 and -include msvc-compat.h: Microsoft printf
#   semantics (%s in a wide format is a wide string) and __FUNCTION__ pasting;
#   see include/msvc-compat.h.
# -I include: our compatibility headers, searched before mingw-w64's.
# The -Wno-* flags silence warnings in vshadow's own code (member init order,
#   partly initialised structs, MSVC #pragma warning, a self-comparison in its
#   ltguid, catch by value, && inside ||, and GCC 12 false positives about the
#   std::copy in its WString2Buffer). Our headers are compiled with -Wall -Wextra.
# mingw-w64 g++'s include folders, in its order, for clang to search: libstdc++ and the
# Windows headers. Not GCC's own folders of compiler headers (intrinsics, limits.h), which
# clang has its own of.
mapfile -t system_includes < <(echo | "$ld" -std=gnu++17 -xc++ -E -v - 2>&1 |
    sed -n '/#include <...> search starts here/,/End of search list/p' | sed -n 's/^ //p' |
    grep -Ev '/gcc/[^/]+/[^/]+/include(-fixed)?$')
cxxflags=(
    --target=x86_64-w64-windows-gnu -nostdinc++ --sysroot=/nonexistent
    -std=gnu++17 -O2
    -DUNICODE -D_UNICODE
    -DVSS_SERVER -DNDEBUG -D_CONSOLE
    -D__USE_MINGW_ANSI_STDIO=0
    -I "$here/include" -include msvc-compat.h
    -Wall -Wextra
    -Wno-reorder -Wno-missing-field-initializers -Wno-unknown-pragmas
    -Wno-tautological-compare -Wno-parentheses -Wno-logical-op-parentheses
    -Wno-unused-parameter -Wno-unused-variable -Wno-unused-but-set-variable
    -Wno-unknown-warning-option
    # util.h's IsVolume traces a failed GetVolumeNameForVolumeMountPoint passing a
    # std::wstring through `...`. MSVC passes a pointer to a copy of the object, which %s
    # prints; clang refuses it, and allowed, makes that one failure path a trap. No command
    # line of the Wine suite takes that path (every drive it names is a volume of the prefix).
    -Wno-error=non-pod-varargs -Wno-non-pod-varargs
)
for dir in "${system_includes[@]}"; do
    cxxflags+=(-isystem "$dir")
done
# -static: libstdc++ and libgcc linked in, so only Windows DLLs are needed.
ldflags=(-municode -static)
libs=(-lvssapi -lresutils -lole32 -loleaut32 -lshlwapi -luuid -ladvapi32)

# When the compiler, flags or source folder change, every object is stale.
stamp="$obj/build-flags"
want="$("$cxx" --version | head -n1) | $src | ${cxxflags[*]}"
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
    rm -f "$obj"/*.o "$obj"/*.d
fi

# An object is up to date when it exists and is newer than every file in its
# dependency list (written by -MMD). If the list cannot be read, rebuild.
up_to_date() {
    local o=$1 d=$2 dep
    [[ -f "$o" && -f "$d" ]] || return 1
    for dep in $(sed -e 's/^[^:]*://' -e 's/\\$//' "$d"); do
        [[ "$dep" == *: ]] && continue          # -MP phony targets
        [[ -f "$dep" && ! "$dep" -nt "$o" ]] || return 1
    done
}

compile() {
    local cpp=$1 name
    name=$(basename "$cpp" .cpp)
    "$cxx" "${cxxflags[@]}" -MMD -MP -MF "$obj/$name.d" -c "$cpp" -o "$obj/$name.o"
}

todo=()
for cpp in "$src"/*.cpp; do
    name=$(basename "$cpp" .cpp)
    up_to_date "$obj/$name.o" "$obj/$name.d" || todo+=("$cpp")
done

# Compile what is out of date, at most $jobs at a time.
failed=0
running=0
for cpp in "${todo[@]}"; do
    echo "  CXX  $(basename "$cpp")"
    compile "$cpp" &
    running=$((running + 1))
    if ((running >= jobs)); then
        wait -n || failed=1
        running=$((running - 1))
    fi
done
while ((running > 0)); do
    wait -n || failed=1
    running=$((running - 1))
done
if ((failed)); then
    echo "$0: compiling vshadow failed" >&2
    exit 1
fi
echo "$want" > "$stamp"

# Version resource; mingw-w64 ships the ntverp.h and common.ver it includes.
"$windres" -I "$src" "$src/vshadow.rc" -O coff -o "$obj/vshadow.res.o"

objects=()
for cpp in "$src"/*.cpp; do
    objects+=("$obj/$(basename "$cpp" .cpp).o")
done
echo "  LD   vshadow.exe"
"$ld" "${ldflags[@]}" -o "$out/vshadow.exe" "${objects[@]}" "$obj/vshadow.res.o" "${libs[@]}"

# The replacement DLLs: plain C, no C runtime beyond msvcrt.
shimflags=(-O2 -Wall -Wextra -shared -static-libgcc -I "$here/include")
echo "  CC   bcryptprimitives.dll"
"$cc" "${shimflags[@]}" -o "$out/bcryptprimitives.dll" \
    "$here/shims/bcryptprimitives.c" "$here/shims/bcryptprimitives.def" -ladvapi32
echo "  CC   resutils.dll"
"$cc" "${shimflags[@]}" -o "$out/resutils.dll" \
    "$here/shims/resutils.c" "$here/shims/resutils.def"

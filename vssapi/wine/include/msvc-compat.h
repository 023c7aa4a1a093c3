// msvc-compat.h -- MSVC behaviour vshadow assumes, for every vshadow source file.
//
// build-vshadow.sh force-includes this header (g++ -include msvc-compat.h)
// because part of it must act before the first line of each file.
//
// 1. printf family with Microsoft semantics. vshadow formats wide strings with
//    %s in wprintf and StringCchPrintfW, which under MSVC means "wide string".
//    mingw-w64 has two implementations: msvcrt's (same meaning) and its own
//    C99 one (where %s in a wide format means a narrow string, so an L"..."
//    argument prints as its first letter). -D__USE_MINGW_ANSI_STDIO=0 selects
//    msvcrt's, but libstdc++'s <bits/os_defines.h> unconditionally redefines
//    __USE_MINGW_ANSI_STDIO to 1, and vshadow's stdafx.h includes <iostream>
//    before anything that declares wprintf. So the choice is made here first:
//    <stdio.h> and <wchar.h> (the headers that consult the macro when declaring
//    printf-like functions) are read with it at 0, and their include guards keep
//    that choice when libstdc++ later flips the macro.
//
// 2. __FUNCTION__ as a macro. macros.h builds wide strings by pasting L onto a
//    macro's expansion:
//        #define __WFUNCTION__ GEN_MAKE_W(GEN_EVAL(__FUNCTION__))
//    MSVC expands __FUNCTION__ in the preprocessor to a string literal, giving
//    L"Name". In GCC __FUNCTION__ is a variable the compiler defines inside each
//    function, so the paste produces the identifier L__FUNCTION__ instead. A
//    pasted token is rescanned for macros, so defining L__FUNCTION__ turns it
//    back into the wide function name: a const wchar_t* to a per-call-site
//    static copy that, like MSVC's literal, can be passed to a wstring parameter
//    or to wprintf's %s. Function names are ASCII, so widening char by char is
//    exact.

#ifndef VSSSIM_WINE_MSVC_COMPAT_H
#define VSSSIM_WINE_MSVC_COMPAT_H

#undef __USE_MINGW_ANSI_STDIO
#define __USE_MINGW_ANSI_STDIO 0
#include <stdio.h>
#include <wchar.h>

#ifdef __cplusplus
#include <cstring>
#include <string>

#define L__FUNCTION__                                                     \
    ([](const char* name) -> const wchar_t* {                             \
        static const std::wstring wide(name, name + std::strlen(name));   \
        return wide.c_str();                                              \
    }(__FUNCTION__))
#endif

#endif // VSSSIM_WINE_MSVC_COMPAT_H

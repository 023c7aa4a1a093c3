// strsafe.h -- mingw-w64's strsafe.h, plus the old SAL annotation `__in`.
//
// shadow.cpp declares its entry point as
//     extern "C" int __cdecl wmain(__in int argc, __in_ecount(argc) WCHAR ** argv)
// With the Windows SDK, <windows.h> defines __in (to nothing, outside code
// analysis). mingw-w64's sal.h deliberately leaves __in undefined in C++,
// because libstdc++ uses __in as a parameter name (e.g. std::get in
// <bits/stl_pair.h>) and an empty macro would break those headers.
//
// vshadow's stdafx.h includes <strsafe.h> after all of its C++ standard headers
// and before any vshadow code, so this is the earliest place where defining
// __in cannot reach libstdc++ and still precedes its only use. (__in_ecount is
// defined by mingw-w64's sal.h already.)
#ifndef VSSSIM_WINE_STRSAFE_H
#define VSSSIM_WINE_STRSAFE_H

#include_next <strsafe.h>

#ifndef __in
#define __in
#endif

#endif // VSSSIM_WINE_STRSAFE_H

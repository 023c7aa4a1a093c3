// vswriter.h -- mingw-w64's vswriter.h with the SDK's bool parameters.
//
// See vss-sdk-bool.h: mingw-w64 writes boolean where the Windows SDK's
// vswriter.h has bool (vshadow calls IVssWMFiledesc::GetRecursive(bool*)).
#ifndef VSSSIM_WINE_VSWRITER_H
#define VSSSIM_WINE_VSWRITER_H

#include "vss-sdk-bool.h"

#ifdef __cplusplus
#pragma push_macro("boolean")
#undef boolean
#define boolean bool
#endif
#include_next <vswriter.h>
#ifdef __cplusplus
#pragma pop_macro("boolean")
#endif

#endif // VSSSIM_WINE_VSWRITER_H

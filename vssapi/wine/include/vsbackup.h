// vsbackup.h -- mingw-w64's vsbackup.h with two differences from the SDK removed.
//
// 1. bool, not boolean (see vss-sdk-bool.h). vshadow passes bool* to
//    IVssExamineWriterMetadata::GetRestoreMethod and to ShouldBlockRevert.
//
// 2. IVssWriterComponentsExt. In the Windows SDK it is
//        class IVssWriterComponentsExt : public IVssWriterComponents, public IUnknown {};
//    where IVssWriterComponents itself has no IUnknown base. An object therefore
//    carries two vtable pointers: at offset 0 the IVssWriterComponents table
//    (GetComponentCount, GetWriterInfo, GetComponent) and at offset 8 the
//    IUnknown table (QueryInterface, AddRef, Release). mingw-w64 10 derives it
//    from IVssWriterComponents only, which drops the second pointer: vshadow
//    does not compile (it holds one in a CComPtr, which calls Release), and the
//    layout would be wrong if it did. Declaring it here first, under the include
//    guard mingw-w64's header tests, makes that header skip its own. GCC lays
//    out non-virtual multiple inheritance of two polymorphic bases as MSVC does
//    (first base at offset 0, second at +8, each vtable pointer addressing its
//    first method), so the layout matches what vssapi.dll hands out.
#ifndef VSSSIM_WINE_VSBACKUP_H
#define VSSSIM_WINE_VSBACKUP_H

#include <vswriter.h>

#if defined(__cplusplus) && !defined(CINTERFACE) && !defined(__IVssWriterComponentsExt_INTERFACE_DEFINED__)
#define __IVssWriterComponentsExt_INTERFACE_DEFINED__
struct IVssWriterComponentsExt : public IVssWriterComponents, public IUnknown {};
#endif

#ifdef __cplusplus
#pragma push_macro("boolean")
#undef boolean
#define boolean bool
#endif
#include_next <vsbackup.h>
#ifdef __cplusplus
#pragma pop_macro("boolean")
#endif

#endif // VSSSIM_WINE_VSBACKUP_H

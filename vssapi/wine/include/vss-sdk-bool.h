// vss-sdk-bool.h -- shared by the vswriter.h and vsbackup.h wrappers.
//
// Microsoft's vswriter.h and vsbackup.h are hand-written C++ and use the C++
// type bool throughout: out-parameters such as IVssWMFiledesc::GetRecursive(bool*)
// and IVssExamineWriterMetadata::GetRestoreMethod(..., bool* pbRebootRequired,
// ...), in-parameters such as IVssBackupComponents::SetBackupState(bool, ...),
// the flag fields of VSS_COMPONENTINFO and ShouldBlockRevert(LPCWSTR, bool*).
// mingw-w64 generates these headers from IDL, which has no bool, and writes
// boolean (unsigned char) instead. vshadow passes bool* in several places
// (writer.cpp, revert.cpp), which C++ will not convert to boolean*.
//
// Both types are one byte holding 0 or 1 and are passed the same way, so the
// wrappers read mingw-w64's two headers with `boolean` spelled `bool`, which
// reproduces the SDK declarations exactly (same slots, same layouts) without
// copying them. The macro is pushed and popped around each header so nothing
// outside sees it; nested inclusion (vsbackup.h includes vswriter.h) is fine.
//
// Only C++ gets the respelling (C has no bool keyword, and it is the SDK's C++
// declarations that use bool). For it to be safe, every header those two pull
// in must already have been read WITHOUT the macro (rpcndr.h typedefs boolean
// itself, and the OLE headers use it). This file includes them first.
#ifndef VSSSIM_WINE_VSS_SDK_BOOL_H
#define VSSSIM_WINE_VSS_SDK_BOOL_H

#include <rpc.h>
#include <rpcndr.h>
#include <windows.h>
#include <ole2.h>
#include <oaidl.h>
#include <ocidl.h>
#include <winapifamily.h>
#include <vss.h>

#ifdef __cplusplus
static_assert(sizeof(bool) == sizeof(boolean), "bool and boolean must both be one byte");
#endif

#endif // VSSSIM_WINE_VSS_SDK_BOOL_H

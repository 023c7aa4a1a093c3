// resapi.h -- the four cluster shared-volume (CSV) functions vshadow calls.
//
// vshadow's util.h includes <resapi.h> for ClusterIsPathOnSharedVolume and its
// siblings (exported by resutils.dll). mingw-w64 10's resapi.h pulls in its
// clusapi.h, which does not compile for _WIN32_WINNT >= 0x0600 (it defines
// CLUSTER_RESOURCE_STATE and several other types twice and uses undefined
// MAX_* constants). Nothing else from resapi.h is used, so this header replaces
// it instead of wrapping it, declaring only these functions with the documented
// signatures (Microsoft Learn, resapi.h):
//
//   BOOL  ClusterIsPathOnSharedVolume(LPCWSTR lpszPathName);
//   BOOL  ClusterGetVolumePathName(LPCWSTR lpszFileName, LPWSTR lpszVolumePathName,
//                                  DWORD cchBufferLength);
//   BOOL  ClusterGetVolumeNameForVolumeMountPoint(LPCWSTR lpszVolumeMountPoint,
//                                  LPWSTR lpszVolumeName, DWORD cchBufferLength);
//   DWORD ClusterPrepareSharedVolumeForBackup(LPCWSTR lpszFileName,
//                                  LPWSTR lpszVolumePathName, LPDWORD lpcchVolumePathName,
//                                  LPWSTR lpszVolumeName, LPDWORD lpcchVolumeName);
//
// The import library is mingw-w64's libresutils.a. Wine 8's resutils.dll
// implements none of these four (calling one aborts), so under Wine the
// project's own shims/resutils.c replaces it.
#ifndef VSSSIM_WINE_RESAPI_H
#define VSSSIM_WINE_RESAPI_H

#include <windows.h>

#ifdef __cplusplus
extern "C" {
#endif

BOOL WINAPI ClusterIsPathOnSharedVolume(LPCWSTR lpszPathName);
BOOL WINAPI ClusterGetVolumePathName(LPCWSTR lpszFileName, LPWSTR lpszVolumePathName,
                                     DWORD cchBufferLength);
BOOL WINAPI ClusterGetVolumeNameForVolumeMountPoint(LPCWSTR lpszVolumeMountPoint,
                                                    LPWSTR lpszVolumeName,
                                                    DWORD cchBufferLength);
DWORD WINAPI ClusterPrepareSharedVolumeForBackup(LPCWSTR lpszFileName,
                                                 LPWSTR lpszVolumePathName,
                                                 LPDWORD lpcchVolumePathName,
                                                 LPWSTR lpszVolumeName,
                                                 LPDWORD lpcchVolumeName);

#ifdef __cplusplus
}
#endif

#endif // VSSSIM_WINE_RESAPI_H

/*
 * resutils.dll replacement for Wine 8: the four cluster shared volume (CSV)
 * functions vshadow.exe imports, answering as a machine that is not part of a
 * failover cluster.
 *
 * Wine 8 has a resutils.dll, but without these exports: Wine binds each missing
 * import to a stub that aborts the process when called, so vshadow dies at its
 * first ClusterIsPathOnSharedVolume (any snapshot command). Put this DLL beside
 * vshadow.exe and load it instead with WINEDLLOVERRIDES="resutils=n".
 *
 * With no cluster there are no CSVs: ClusterIsPathOnSharedVolume says FALSE for
 * every path, which is the only answer vshadow acts on (it calls the other three
 * only for paths on a CSV). The other three are still given the behaviour the
 * documentation gives them for the paths that exist on such a machine:
 *   - ClusterGetVolumePathName and ClusterGetVolumeNameForVolumeMountPoint are
 *     documented as the cluster-aware forms of GetVolumePathName and
 *     GetVolumeNameForVolumeMountPoint ("Instead, use ..."); for a local path
 *     both give the same answer, so they forward to those.
 *   - ClusterPrepareSharedVolumeForBackup "does not do anything other than
 *     retrieve the volume path and the volume name" (Windows Server 2012 and
 *     later), with ERROR_MORE_DATA and the required size when a buffer is short.
 */
#include <windows.h>
#include <wchar.h>

#include <resapi.h> /* the project's declarations (include/resapi.h) */

BOOL WINAPI ClusterIsPathOnSharedVolume(LPCWSTR lpszPathName)
{
    (void)lpszPathName;
    return FALSE; /* no cluster, so no cluster shared volumes */
}

BOOL WINAPI ClusterGetVolumePathName(LPCWSTR lpszFileName, LPWSTR lpszVolumePathName,
                                     DWORD cchBufferLength)
{
    return GetVolumePathNameW(lpszFileName, lpszVolumePathName, cchBufferLength);
}

BOOL WINAPI ClusterGetVolumeNameForVolumeMountPoint(LPCWSTR lpszVolumeMountPoint,
                                                    LPWSTR lpszVolumeName,
                                                    DWORD cchBufferLength)
{
    return GetVolumeNameForVolumeMountPointW(lpszVolumeMountPoint, lpszVolumeName,
                                             cchBufferLength);
}

/* Copies src (with its terminating null) to dst if *cch, the buffer size in
 * WCHARs, is large enough. *cch receives the size needed, null included. */
static DWORD copy_out(const WCHAR* src, LPWSTR dst, LPDWORD cch)
{
    DWORD needed = (DWORD)wcslen(src) + 1;
    DWORD room = *cch;
    *cch = needed;
    if (dst == NULL || room < needed)
        return ERROR_MORE_DATA;
    memcpy(dst, src, needed * sizeof(WCHAR));
    return ERROR_SUCCESS;
}

DWORD WINAPI ClusterPrepareSharedVolumeForBackup(LPCWSTR lpszFileName,
                                                 LPWSTR lpszVolumePathName,
                                                 LPDWORD lpcchVolumePathName,
                                                 LPWSTR lpszVolumeName,
                                                 LPDWORD lpcchVolumeName)
{
    WCHAR path[1024];
    WCHAR name[64]; /* "\\?\Volume{GUID}\" is 49 WCHARs with its null */
    DWORD err, err2;

    if (lpszFileName == NULL || lpcchVolumePathName == NULL || lpcchVolumeName == NULL)
        return ERROR_INVALID_PARAMETER;
    if (!GetVolumePathNameW(lpszFileName, path, ARRAYSIZE(path)))
        return GetLastError();
    if (!GetVolumeNameForVolumeMountPointW(path, name, ARRAYSIZE(name)))
        return GetLastError();

    /* Report both required sizes even when only one buffer is short. */
    err = copy_out(path, lpszVolumePathName, lpcchVolumePathName);
    err2 = copy_out(name, lpszVolumeName, lpcchVolumeName);
    return err != ERROR_SUCCESS ? err : err2;
}

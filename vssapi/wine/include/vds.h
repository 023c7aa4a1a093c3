// vds.h -- Virtual Disk Service declarations vshadow needs, on top of mingw-w64's.
//
// vshadow's -bw option (break a shadow copy set read-write) walks VDS: it loads
// IVdsServiceLoader, asks IVdsService for the software providers, their packs
// (IVdsSwProvider, IVdsPack), the packs' volumes (IVdsVolume) and dismounts them
// (IVdsVolumeMF). mingw-w64 10's vds.h has the VDS data types (enums and
// structures such as VDS_VOLUME_PROP) but none of these interfaces, and it
// cannot be compiled as shipped: at its end it includes vdslun.h, which
// redefines the four VDS_STORAGE_* / VDS_INTERCONNECT_* types vds.h has just
// defined.
//
// So this header
//   1. defines vdslun.h's include guard, so that vds.h's own (identical)
//      definitions are the only ones; nothing in vshadow uses vdslun.h itself;
//   2. includes mingw-w64's vds.h for the data types;
//   3. declares the interfaces below and the two VDS error codes vshadow tests.
//
// Vtable order. A COM call goes through a slot number, so every interface below
// lists ALL its methods, including the ones vshadow never calls, in the order of
// the Windows SDK's vds.h. That order was checked against the [MS-VDS] protocol
// IDL, whose opnums number the same slots (3 = first method after IUnknown);
// methods that are local-only there appear as "OpnumNNNotUsedOnWire"
// placeholders and are named here as in the SDK: IVdsService::QueryMaskedDisks
// (opnum 7) and IVdsPack::ReplaceDisk (opnum 10). The IIDs are the ones the
// [MS-VDS] IDL gives.
//
// Wine has no VDS service, so under Wine -bw fails at CoCreateInstance; these
// declarations exist so that vshadow compiles unchanged and, on Windows, would
// call the right slots.

#ifndef VSSSIM_WINE_VDS_H
#define VSSSIM_WINE_VDS_H

#ifndef __vdslun_h__
#define __vdslun_h__ 1
#endif
#include_next <vds.h>

#include <unknwn.h>

// Return codes (vdserr.h in the SDK, absent from mingw-w64).
#ifndef VDS_E_OBJECT_DELETED
#define VDS_E_OBJECT_DELETED ((HRESULT)0x8004240BL)  // the object no longer exists
#endif
#ifndef VDS_E_INVALID_PACK
#define VDS_E_INVALID_PACK ((HRESULT)0x8004251AL)    // operation not allowed on this pack
#endif

#ifdef __cplusplus

// Interfaces that only appear as parameter types of methods vshadow does not
// call; they are used through pointers only, so declaring them suffices.
struct IVdsAsync;
struct IVdsAdviseSink;
struct IVdsProvider;
struct IVdsService;
struct IVdsPack;

// {118610b7-8d94-4030-b5b8-500889788e4e}
struct IEnumVdsObject : public IUnknown {
    virtual HRESULT STDMETHODCALLTYPE Next(ULONG celt, IUnknown** ppObjectArray,
                                           ULONG* pcFetched) = 0;
    virtual HRESULT STDMETHODCALLTYPE Skip(ULONG celt) = 0;
    virtual HRESULT STDMETHODCALLTYPE Reset() = 0;
    virtual HRESULT STDMETHODCALLTYPE Clone(IEnumVdsObject** ppEnum) = 0;
};
__CRT_UUID_DECL(IEnumVdsObject, 0x118610b7, 0x8d94, 0x4030,
                0xb5, 0xb8, 0x50, 0x08, 0x89, 0x78, 0x8e, 0x4e)

// {e0393303-90d4-4a97-ab71-e9b671ee2729}
struct IVdsServiceLoader : public IUnknown {
    virtual HRESULT STDMETHODCALLTYPE LoadService(LPWSTR pwszMachineName,
                                                  IVdsService** ppService) = 0;
};
__CRT_UUID_DECL(IVdsServiceLoader, 0xe0393303, 0x90d4, 0x4a97,
                0xab, 0x71, 0xe9, 0xb6, 0x71, 0xee, 0x27, 0x29)

// {0818a8ef-9ba9-40d8-a6f9-e22833cc771e}
struct IVdsService : public IUnknown {
    virtual HRESULT STDMETHODCALLTYPE IsServiceReady() = 0;
    virtual HRESULT STDMETHODCALLTYPE WaitForServiceReady() = 0;
    virtual HRESULT STDMETHODCALLTYPE GetProperties(VDS_SERVICE_PROP* pServiceProp) = 0;
    virtual HRESULT STDMETHODCALLTYPE QueryProviders(DWORD masks, IEnumVdsObject** ppEnum) = 0;
    virtual HRESULT STDMETHODCALLTYPE QueryMaskedDisks(IEnumVdsObject** ppEnum) = 0;
    virtual HRESULT STDMETHODCALLTYPE QueryUnallocatedDisks(IEnumVdsObject** ppEnum) = 0;
    // Named GetObject in the SDK; <windows.h> may rename it to GetObjectW,
    // which changes nothing about the slot.
    virtual HRESULT STDMETHODCALLTYPE GetObject(VDS_OBJECT_ID ObjectId, VDS_OBJECT_TYPE type,
                                                IUnknown** ppObjectUnk) = 0;
    virtual HRESULT STDMETHODCALLTYPE QueryDriveLetters(WCHAR wcFirstLetter, DWORD count,
                                                        VDS_DRIVE_LETTER_PROP* pDriveLetterPropArray) = 0;
    virtual HRESULT STDMETHODCALLTYPE QueryFileSystemTypes(VDS_FILE_SYSTEM_TYPE_PROP** ppFileSystemTypeProps,
                                                           LONG* plNumberOfFileSystems) = 0;
    virtual HRESULT STDMETHODCALLTYPE Reenumerate() = 0;
    virtual HRESULT STDMETHODCALLTYPE Refresh() = 0;
    virtual HRESULT STDMETHODCALLTYPE CleanupObsoleteMountPoints() = 0;
    virtual HRESULT STDMETHODCALLTYPE Advise(IVdsAdviseSink* pSink, DWORD* pdwCookie) = 0;
    virtual HRESULT STDMETHODCALLTYPE Unadvise(DWORD dwCookie) = 0;
    virtual HRESULT STDMETHODCALLTYPE Reboot() = 0;
    virtual HRESULT STDMETHODCALLTYPE SetFlags(ULONG ulFlags) = 0;
    virtual HRESULT STDMETHODCALLTYPE ClearFlags(ULONG ulFlags) = 0;
};
__CRT_UUID_DECL(IVdsService, 0x0818a8ef, 0x9ba9, 0x40d8,
                0xa6, 0xf9, 0xe2, 0x28, 0x33, 0xcc, 0x77, 0x1e)

// {9aa58360-ce33-4f92-b658-ed24b14425b8}
struct IVdsSwProvider : public IUnknown {
    virtual HRESULT STDMETHODCALLTYPE QueryPacks(IEnumVdsObject** ppEnum) = 0;
    virtual HRESULT STDMETHODCALLTYPE CreatePack(IVdsPack** ppPack) = 0;
};
__CRT_UUID_DECL(IVdsSwProvider, 0x9aa58360, 0xce33, 0x4f92,
                0xb6, 0x58, 0xed, 0x24, 0xb1, 0x44, 0x25, 0xb8)

// {3b69d7f5-9d94-4648-91ca-79939ba263bf}
struct IVdsPack : public IUnknown {
    virtual HRESULT STDMETHODCALLTYPE GetProperties(VDS_PACK_PROP* pPackProp) = 0;
    virtual HRESULT STDMETHODCALLTYPE GetProvider(IVdsProvider** ppProvider) = 0;
    virtual HRESULT STDMETHODCALLTYPE QueryVolumes(IEnumVdsObject** ppEnum) = 0;
    virtual HRESULT STDMETHODCALLTYPE QueryDisks(IEnumVdsObject** ppEnum) = 0;
    virtual HRESULT STDMETHODCALLTYPE CreateVolume(VDS_VOLUME_TYPE type, VDS_INPUT_DISK* pInputDiskArray,
                                                   LONG lNumberOfDisks, ULONG ulStripeSize,
                                                   IVdsAsync** ppAsync) = 0;
    virtual HRESULT STDMETHODCALLTYPE AddDisk(VDS_OBJECT_ID DiskId, VDS_PARTITION_STYLE PartitionStyle,
                                              BOOL bAsHotSpare) = 0;
    virtual HRESULT STDMETHODCALLTYPE MigrateDisks(VDS_OBJECT_ID* pDiskArray, LONG lNumberOfDisks,
                                                   VDS_OBJECT_ID TargetPack, BOOL bForce,
                                                   BOOL bQueryOnly, HRESULT* pResults,
                                                   BOOL* pbRebootNeeded) = 0;
    virtual HRESULT STDMETHODCALLTYPE ReplaceDisk(VDS_OBJECT_ID OldDiskId, VDS_OBJECT_ID NewDiskId,
                                                  IVdsAsync** ppAsync) = 0;
    virtual HRESULT STDMETHODCALLTYPE RemoveMissingDisk(VDS_OBJECT_ID DiskId) = 0;
    virtual HRESULT STDMETHODCALLTYPE Recover(IVdsAsync** ppAsync) = 0;
};
__CRT_UUID_DECL(IVdsPack, 0x3b69d7f5, 0x9d94, 0x4648,
                0x91, 0xca, 0x79, 0x93, 0x9b, 0xa2, 0x63, 0xbf)

// {88306bb2-e71f-478c-86a2-79da200a0f11}
struct IVdsVolume : public IUnknown {
    virtual HRESULT STDMETHODCALLTYPE GetProperties(VDS_VOLUME_PROP* pVolumeProperties) = 0;
    virtual HRESULT STDMETHODCALLTYPE GetPack(IVdsPack** ppPack) = 0;
    virtual HRESULT STDMETHODCALLTYPE QueryPlexes(IEnumVdsObject** ppEnum) = 0;
    virtual HRESULT STDMETHODCALLTYPE Extend(VDS_INPUT_DISK* pInputDiskArray, LONG lNumberOfDisks,
                                             IVdsAsync** ppAsync) = 0;
    virtual HRESULT STDMETHODCALLTYPE Shrink(ULONGLONG ullNumberOfBytesToRemove,
                                             IVdsAsync** ppAsync) = 0;
    virtual HRESULT STDMETHODCALLTYPE AddPlex(VDS_OBJECT_ID VolumeId, IVdsAsync** ppAsync) = 0;
    virtual HRESULT STDMETHODCALLTYPE BreakPlex(VDS_OBJECT_ID plexId, IVdsAsync** ppAsync) = 0;
    virtual HRESULT STDMETHODCALLTYPE RemovePlex(VDS_OBJECT_ID plexId, IVdsAsync** ppAsync) = 0;
    virtual HRESULT STDMETHODCALLTYPE Delete(BOOL bForce) = 0;
    virtual HRESULT STDMETHODCALLTYPE SetFlags(ULONG ulFlags, BOOL bRevertOnClose) = 0;
    virtual HRESULT STDMETHODCALLTYPE ClearFlags(ULONG ulFlags) = 0;
};
__CRT_UUID_DECL(IVdsVolume, 0x88306bb2, 0xe71f, 0x478c,
                0x86, 0xa2, 0x79, 0xda, 0x20, 0x0a, 0x0f, 0x11)

// {ee2d5ded-6236-4169-931d-b9778ce03dc6}
struct IVdsVolumeMF : public IUnknown {
    virtual HRESULT STDMETHODCALLTYPE GetFileSystemProperties(VDS_FILE_SYSTEM_PROP* pFileSystemProp) = 0;
    virtual HRESULT STDMETHODCALLTYPE Format(VDS_FILE_SYSTEM_TYPE type, LPWSTR pwszLabel,
                                             DWORD dwUnitAllocationSize, BOOL bForce,
                                             BOOL bQuickFormat, BOOL bEnableCompression,
                                             IVdsAsync** ppAsync) = 0;
    virtual HRESULT STDMETHODCALLTYPE AddAccessPath(LPWSTR pwszPath) = 0;
    virtual HRESULT STDMETHODCALLTYPE QueryAccessPaths(LPWSTR** pwszPathArray,
                                                       LONG* plNumberOfAccessPaths) = 0;
    virtual HRESULT STDMETHODCALLTYPE QueryReparsePoints(VDS_REPARSE_POINT_PROP** ppReparsePointProps,
                                                         LONG* plNumberOfReparsePointProps) = 0;
    virtual HRESULT STDMETHODCALLTYPE DeleteAccessPath(LPWSTR pwszPath, BOOL bForce) = 0;
    virtual HRESULT STDMETHODCALLTYPE Mount() = 0;
    virtual HRESULT STDMETHODCALLTYPE Dismount(BOOL bForce, BOOL bPermanent) = 0;
    virtual HRESULT STDMETHODCALLTYPE SetFileSystemFlags(ULONG ulFlags) = 0;
    virtual HRESULT STDMETHODCALLTYPE ClearFileSystemFlags(ULONG ulFlags) = 0;
};
__CRT_UUID_DECL(IVdsVolumeMF, 0xee2d5ded, 0x6236, 0x4169,
                0x93, 0x1d, 0xb9, 0x77, 0x8c, 0xe0, 0x3d, 0xc6)

#endif // __cplusplus

#endif // VSSSIM_WINE_VDS_H

/*
 * bcryptprimitives.dll replacement for Wine 8: exports ProcessPrng only.
 *
 * Rust's standard library (1.78 and later) gets its random numbers (HashMap
 * seeds, etc.) from bcryptprimitives.dll!ProcessPrng and imports it at load
 * time. Wine 8 has no bcryptprimitives.dll, so any Rust DLL or program fails to
 * load. This provides the one function, on top of advapi32's RtlGenRandom
 * (exported as SystemFunction036), which Wine implements.
 *
 * Documented contract: BOOL ProcessPrng(PBYTE pbData, SIZE_T cbData) fills the
 * buffer with random bytes and always returns TRUE. Callers (Rust among them)
 * therefore never check for failure; if RtlGenRandom ever failed, returning
 * would hand out predictable bytes, so the process is ended instead.
 */
#include <windows.h>

/* advapi32's RtlGenRandom. Declared here rather than through <ntsecapi.h>,
 * which only offers it as a macro alias. */
BOOLEAN WINAPI SystemFunction036(PVOID RandomBuffer, ULONG RandomBufferLength);

BOOL WINAPI ProcessPrng(PBYTE pbData, SIZE_T cbData);

BOOL WINAPI ProcessPrng(PBYTE pbData, SIZE_T cbData)
{
    /* RtlGenRandom takes a ULONG length; SIZE_T is 64-bit, so go in chunks. */
    while (cbData > 0) {
        ULONG chunk = cbData > 0x7fffffffu ? 0x7fffffffu : (ULONG)cbData;
        if (!SystemFunction036(pbData, chunk))
            TerminateProcess(GetCurrentProcess(), 3); /* never hand out non-random bytes */
        pbData += chunk;
        cbData -= chunk;
    }
    return TRUE;
}

/* Copyright sfjwt contributors. Licensed under Apache-2.0.
 *
 * A stand-in for Windows' bcryptprimitives.dll, for `make dist-check` under Wine only.
 *
 * Every Windows binary that Rust 1.78 and newer builds imports ProcessPrng from
 * bcryptprimitives.dll (the standard library's random numbers), and Debian's Wine 8
 * lacks that DLL, so sfjwt.exe, sfjwt.dll and sfjwt_jni.dll would not load there.
 * This DLL exports ProcessPrng on top of RtlGenRandom (advapi32's SystemFunction036),
 * which Wine has. It is copied next to the programs under test in a throwaway
 * directory; it is never shipped: real Windows has the DLL. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length) {
    while (length > 0) {
        ULONG chunk = length > 0x10000000 ? 0x10000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk)) {
            return FALSE;
        }
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}

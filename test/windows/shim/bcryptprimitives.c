/*
 * bcryptprimitives.dll for Wine 8 (Debian 12's wine64), which has none: the Go runtime
 * (1.22+) loads it at start-up for ProcessPrng, and without it every Go program dies with
 * "bcryptprimitives.dll not found". This shim exports ProcessPrng over BCryptGenRandom,
 * which Wine does have. Built by test/windows (x86_64-w64-mingw32-gcc) into a throwaway
 * Wine prefix for CI; never shipped, never committed as a binary. Real Windows (8 and later)
 * has its own bcryptprimitives.dll.
 */
#include <windows.h>
#include <bcrypt.h>

/* ProcessPrng fills data with len random bytes and, as the real one, never fails for a
 * valid buffer. BCryptGenRandom takes a ULONG length, so larger requests go in pieces. */
BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
	while (len > 0) {
		ULONG n = len > 0x40000000 ? 0x40000000 : (ULONG)len;
		if (!BCRYPT_SUCCESS(BCryptGenRandom(NULL, data, n, BCRYPT_USE_SYSTEM_PREFERRED_RNG)))
			return FALSE;
		data += n;
		len -= n;
	}
	return TRUE;
}

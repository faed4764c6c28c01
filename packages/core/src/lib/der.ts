// Minimal DER reading, enough for the PEM keys of Django settings (PKCS#1, SEC1).

/** The DER element at `at`: its tag, and where its contents start and end. Throws when it overruns. */
export function readTlv(
  bytes: Uint8Array,
  at: number,
): { tag: number; start: number; end: number } {
  const tag = bytes[at] ?? 0
  let length = bytes[at + 1] ?? 0
  let start = at + 2
  if (length & 0x80) {
    const count = length & 0x7f
    length = 0
    for (let i = 0; i < count; i++) length = length * 256 + (bytes[start + i] ?? 0)
    start += count
  }
  if (start + length > bytes.length) throw new Error('malformed DER')
  return { tag, start, end: start + length }
}

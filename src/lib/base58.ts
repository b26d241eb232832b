/**
 * base58btc (the Bitcoin alphabet) without the quadratic byte-at-a-time loop of base-x: digits are
 * taken four at a time (58⁴ < 2²⁴) into 24-bit limbs, so a 47-digit Multikey costs ~150 float
 * multiplications. Same results as base-x (multiformats' `base58btc.baseDecode`/`baseEncode`) on
 * every input: leading '1's are leading zero bytes and the rest is the big-endian number, minimal.
 * @internal
 */

const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'
const MAP = new Int8Array(128).fill(-1)
for (let i = 0; i < ALPHABET.length; i++) MAP[ALPHABET.charCodeAt(i)] = i
const LIMB = 0x1000000 // 2^24
const GROUP = 58 ** 4

/**
 * The bytes of a base58btc string (no multibase prefix), or undefined when a character is not in the
 * alphabet. `null` when a character is above U+00FF: base-x does not refuse those (it reads them as
 * NaN digits and returns garbage bytes), so a caller that must answer exactly as base-x asks it.
 */
export function base58Decode(text: string): Uint8Array | undefined | null {
  const n = text.length
  let zeroes = 0
  while (zeroes < n && text.charCodeAt(zeroes) === 49) zeroes++
  // Little-endian 24-bit limbs; 58 < 2^6, so every digit adds at most 6 bits.
  const limbs = new Float64Array(Math.ceil(((n - zeroes) * 6) / 24) + 1)
  let used = 0
  for (let i = zeroes; i < n; ) {
    let chunk = 0
    let mul = 1
    const end = Math.min(n, i + 4)
    for (; i < end; i++) {
      const c = text.charCodeAt(i)
      const d = c < 128 ? MAP[c]! : -1
      if (d < 0) return wide(text) ? null : undefined
      chunk = chunk * 58 + d
      mul *= 58
    }
    // limbs = limbs * mul + chunk (every product < 2^48: exact in a double)
    let carry = chunk
    for (let j = 0; j < used; j++) {
      const t = limbs[j]! * mul + carry
      carry = Math.floor(t / LIMB)
      limbs[j] = t - carry * LIMB
    }
    while (carry > 0) {
      const next = Math.floor(carry / LIMB)
      limbs[used++] = carry - next * LIMB
      carry = next
    }
  }
  // Big-endian bytes of the number, minimal, after the leading zero bytes.
  let top = used * 3
  const be = new Uint8Array(top)
  for (let j = 0; j < used; j++) {
    const v = limbs[j]!
    be[top - 1 - 3 * j] = v & 0xff
    be[top - 2 - 3 * j] = (v >>> 8) & 0xff
    be[top - 3 - 3 * j] = (v >>> 16) & 0xff
  }
  let skip = 0
  while (skip < top && be[skip] === 0) skip++
  top -= skip
  const out = new Uint8Array(zeroes + top)
  out.set(be.subarray(skip), zeroes)
  return out
}

function wide(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0xff) return true
  return false
}

/** The base58btc string of `bytes` (no multibase prefix). */
export function base58Encode(bytes: Uint8Array): string {
  const n = bytes.length
  let zeroes = 0
  while (zeroes < n && bytes[zeroes] === 0) zeroes++
  // Big-endian 24-bit limbs of the number.
  const count = Math.ceil((n - zeroes) / 3)
  const limbs = new Float64Array(count)
  for (let i = n - 1, j = count - 1; i >= zeroes; i -= 3, j--) {
    limbs[j] = bytes[i]! | ((i - 1 >= zeroes ? bytes[i - 1]! : 0) << 8) | ((i - 2 >= zeroes ? bytes[i - 2]! : 0) << 16)
  }
  // Repeated division by 58^4: base-58^4 digits, least significant first.
  const groups: number[] = []
  let start = 0
  while (start < count) {
    let rem = 0
    for (let j = start; j < count; j++) {
      const cur = rem * LIMB + limbs[j]!
      const q = Math.floor(cur / GROUP)
      limbs[j] = q
      rem = cur - q * GROUP
    }
    groups.push(rem)
    while (start < count && limbs[start] === 0) start++
  }
  let digits = ''
  for (let g = groups.length - 1; g >= 0; g--) {
    let v = groups[g]!
    const d3 = v % 58
    v = (v - d3) / 58
    const d2 = v % 58
    v = (v - d2) / 58
    const d1 = v % 58
    const d0 = (v - d1) / 58
    digits += ALPHABET[d0]! + ALPHABET[d1]! + ALPHABET[d2]! + ALPHABET[d3]!
  }
  let lead = 0
  while (lead < digits.length && digits.charCodeAt(lead) === 49) lead++
  return '1'.repeat(zeroes) + digits.slice(lead)
}

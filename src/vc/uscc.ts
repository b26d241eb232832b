/**
 * Unified social credit codes (统一社会信用代码), GB 32100-2015: 18 characters from a 31-character
 * alphabet (digits and capitals without I, O, S, V, Z); the 18th is a check character, computed
 * modulo 31 over the first 17 with weights 3^i mod 31.
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#role-credentials
 */

const ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY'
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28] as const
// Positions 3-8 are the registering authority's 6-digit administrative division code.
const SHAPE = /^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$/

/**
 * The GB 32100-2015 check character for the first 17 characters of a code.
 * @throws {RangeError} when `body` is not 17 characters of the code alphabet.
 * @example `usccCheckCharacter('91350100M000100Y4') // '3'`
 */
export function usccCheckCharacter(body: string): string {
  if (typeof body !== 'string') throw new TypeError('body must be a string')
  if (body.length !== 17) throw new RangeError(`body must be 17 characters, got ${body.length}`)
  let sum = 0
  for (let i = 0; i < 17; i++) {
    const value = ALPHABET.indexOf(body[i]!)
    if (value < 0) throw new RangeError(`body has a character outside the GB 32100 alphabet at position ${i + 1}`)
    sum += value * WEIGHTS[i]!
  }
  return ALPHABET[(31 - (sum % 31)) % 31]!
}

/**
 * Whether `code` is a well-formed unified social credit code with a correct check character.
 * @example `isUnifiedSocialCreditCode('91350100M000100Y43') // true`
 */
export function isUnifiedSocialCreditCode(code: unknown): boolean {
  return typeof code === 'string' && SHAPE.test(code) && usccCheckCharacter(code.slice(0, 17)) === code[17]
}

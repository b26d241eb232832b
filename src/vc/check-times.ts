import { MAX_TIME, isoSeconds } from '../lib/time.js'
import type { LedgerView } from './ledger-view.js'
import { TOKEN_REASONS, type Fail, type Token } from './reasons.js'

/**
 * A token's time claims: integers up to 9999-12-31 (every time must render as an XML Schema
 * dateTime); `iat`/`nbf` not in the future, `exp` not past (± skew). `exp` and `iat` are required.
 * False when a claim is malformed (nothing else about the token can be trusted then).
 * @internal
 */
export function checkTimes(view: LedgerView, p: Record<string, unknown>, token: Token, fail: Fail): boolean {
  const t = view.context.time
  const skew = view.skew
  const codes = TOKEN_REASONS[token]
  for (const name of ['iat', 'nbf', 'exp'] as const) {
    const v = p[name]
    if (v === undefined ? name !== 'nbf' : !Number.isSafeInteger(v) || (v as number) < 0 || (v as number) > MAX_TIME) {
      fail(codes.malformed, `${name} must be an integer number of seconds up to 9999-12-31${v === undefined ? ' and is required' : ''}`)
      return false
    }
  }
  const nbf = (p.nbf ?? p.iat) as number | undefined
  if (nbf !== undefined && nbf > t + skew) fail(codes.notYetValid, `not valid before ${isoSeconds(nbf)} (time is ${isoSeconds(t)})`)
  if (typeof p.iat === 'number' && p.iat > t + skew) fail(codes.notYetValid, `issued in the future (${isoSeconds(p.iat)})`)
  if (typeof p.exp === 'number' && p.exp <= t - skew) fail(codes.expired, `expired at ${isoSeconds(p.exp)} (time is ${isoSeconds(t)})`)
  return true
}

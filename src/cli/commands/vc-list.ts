import type { Command } from 'commander'
import { peekPayload } from '../../vc/jwt.js'
import { ROLES } from '../../vc/roles.js'
import { Bitstring, readStatusListContent, type StatusListEntry } from '../../vc/status-list.js'
import type { CommandContext } from '../context.js'
import { UsageError } from '../errors.js'
import type { Home } from '../home.js'

/** A credential's standing from its issuer's own lists and its expiry (not a full verification). */
type Standing = 'active' | 'revoked' | 'suspended' | 'expired' | 'unknown'

/** `grid-did vc list`: the credentials and mandates issued from this home, with their status now. */
export function registerVcList(vc: Command, { read }: CommandContext): void {
  vc.command('list')
    .description(
      'the credentials and mandates issued from this home, with their status: active, suspended, revoked (from the status lists as anchored now), expired, or unknown (a list that cannot be read, with why)',
    )
    .option('--issuer <did>', 'only those of this issuer')
    .option('--role <role>', `only this role: ${[...ROLES, 'mandate'].join(' | ')}`)
    .option('--subject <did>', 'only those issued to this subject (for a mandate: the aggregator)')
    .action(
      read(async (home, o: { issuer?: string; role?: string; subject?: string }) => {
        if (o.role !== undefined && ![...ROLES, 'mandate'].includes(o.role))
          throw new UsageError(`--role must be one of ${[...ROLES, 'mandate'].join(', ')}, got "${o.role}"`)
        const now = Math.floor(Date.now() / 1000)
        const lists = new Map<string, Promise<Bitstring | string>>()
        const rows = []
        for (const r of home.allIssued()) {
          if ((o.issuer && r.issuer !== o.issuer) || (o.role && r.role !== o.role) || (o.subject && r.subject !== o.subject)) continue
          const payload = peekPayload(r.jwt) ?? {}
          const exp = typeof payload.exp === 'number' ? payload.exp : undefined
          const { status, why } = await standing(home, lists, payload, exp, now)
          rows.push({
            jti: r.jti,
            issuer: r.issuer,
            role: r.role,
            subject: r.subject,
            ...(exp !== undefined ? { validUntil: new Date(exp * 1000).toISOString() } : {}),
            status,
            ...(why ? { why } : {}),
          })
        }
        const text = rows.map((c) =>
          [c.jti, c.role, c.subject, c.status + (c.why ? ` (${c.why})` : ''), c.validUntil ? `until ${c.validUntil}` : '']
            .join('  ')
            .trim(),
        )
        return { json: rows, text: text.length > 0 ? text.join('\n') : 'no credentials issued from this home' }
      }),
    )
}

/**
 * Revoked or suspended when a bit of the issuer's list (as anchored now) is set; else expired after
 * `exp`; else active. A list that cannot be read is `unknown` with why; an outage throws.
 */
async function standing(
  home: Home,
  lists: Map<string, Promise<Bitstring | string>>,
  payload: Record<string, unknown>,
  exp: number | undefined,
  now: number,
): Promise<{ status: Standing; why?: string }> {
  const raw = (payload.vc as { credentialStatus?: unknown } | undefined)?.credentialStatus
  const entries = (raw === undefined ? [] : Array.isArray(raw) ? raw : [raw]) as StatusListEntry[]
  let set: Standing | undefined
  for (const e of entries) {
    const url = e.statusListCredential
    let bits = lists.get(url)
    if (!bits) {
      bits = listBits(home, url)
      lists.set(url, bits)
    }
    const b = await bits
    if (typeof b === 'string') return { status: 'unknown', why: b }
    const i = Number(e.statusListIndex)
    if (!Number.isSafeInteger(i) || i >= b.length) return { status: 'unknown', why: `index ${e.statusListIndex} is outside ${url}` }
    if (b.get(i)) set = e.statusPurpose === 'revocation' ? 'revoked' : (set ?? 'suspended')
  }
  if (set) return { status: set }
  return { status: exp !== undefined && exp <= now ? 'expired' : 'active' }
}

/** The bits of the status list at `url` as anchored now, or why it cannot be used. */
async function listBits(home: Home, url: string): Promise<Bitstring | string> {
  const { version } = await home.resolver.resolveResource(url)
  const read = readStatusListContent(version.content, url)
  if (typeof read === 'string') return `${url}: ${read}`
  try {
    return await Bitstring.decode(read.encodedList)
  } catch (err) {
    return `${url}: ${(err as Error).message}`
  }
}

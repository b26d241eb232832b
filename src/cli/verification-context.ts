import { parseDid } from '../method/did.js'
import { trustRegistryUrl } from '../vc/resources.js'
import type { VerificationContext } from '../vc/verify.js'
import { UsageError } from './errors.js'
import type { Home } from './home.js'
import { time } from './options.js'

/** The utility whose schemas and trust registry a command uses: `--utility`, else the one `trust init` set. */
export function utilityOf(home: Home, given: string | undefined): string {
  const utility = given ?? home.config.utility
  if (!utility) throw new UsageError('no utility: run `grid-did trust init` first, or pass --utility')
  return parseDid(utility).did
}

/**
 * What `vc verify` and `role check` verify against: the home's resolver, the utility's trust
 * registry, `--at` (default now) and the ledger's finalized height.
 */
export async function verificationContext(home: Home, at: string | undefined, utility: string | undefined): Promise<VerificationContext> {
  const u = utilityOf(home, utility)
  const head = await home.ledger.head()
  return {
    resolver: home.resolver,
    trustRegistry: trustRegistryUrl(u),
    time: at ? time(at, '--at') : Math.floor(Date.now() / 1000),
    height: head.finalizedHeight,
  }
}

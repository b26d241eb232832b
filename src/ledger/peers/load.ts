import { createRequire } from 'node:module'
import { DependencyMissingError } from '../../errors/dependency.js'

// The optional peer dependencies, loaded on demand: an ESM `import` of a missing package fails when
// the module graph is linked, before any code of ours runs, with the resolver's message. Loaded
// here, a missing peer is one line naming what to install, as a GridError.

/** Each optional peer dependency, with the range `package.json#peerDependencies` gives it (test/package checks they agree). */
export const PEERS = {
  'better-sqlite3': '^12.11.1',
  viem: '^2.57.1',
  '@nomicfoundation/edr': '0.13.0',
} as const

/** An optional peer dependency of grid-did. */
export type Peer = keyof typeof PEERS

/** The entry points that need each peer, for the message. */
const NEEDED_BY: Record<Peer, string> = {
  'better-sqlite3': 'grid-did/ledger/sqlite and the grid-did CLI need it',
  viem: 'grid-did/ledger/evm and grid-did/gate need it',
  '@nomicfoundation/edr': 'grid-did/ledger/devchain needs it',
}

const load = createRequire(import.meta.url)

/** The one-line advice for a peer that is not installed. */
export function missingPeerMessage(peer: Peer): string {
  return `${peer} is not installed (${NEEDED_BY[peer]}; it is an optional peer dependency): npm install ${peer}@${PEERS[peer]}`
}

/**
 * `require(specifier)` of an optional peer (`specifier` is the peer or one of its subpaths).
 * @throws DependencyMissingError when the peer is not installed; any other failure of the peer's own code as thrown.
 */
export function requirePeer<T>(peer: Peer, specifier: string = peer): T {
  try {
    return load(specifier) as T
  } catch (cause) {
    // Only the peer itself missing: a module missing inside the peer is the peer's own failure.
    const err = cause as { code?: unknown; message?: unknown }
    if (err?.code === 'MODULE_NOT_FOUND' && typeof err.message === 'string' && err.message.startsWith(`Cannot find module '${specifier}'`))
      throw new DependencyMissingError(peer, missingPeerMessage(peer), { cause })
    throw cause
  }
}

import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { missingPeerMessage, PEERS, requirePeer, type Peer } from '../../../src/ledger/peers/load.js'

// The missing cases run for real in test/package/install.test.ts (a scratch install without the peers).
describe('requirePeer', () => {
  it('loads an installed peer and its subpaths', () => {
    expect(typeof requirePeer<{ getAddress: unknown }>('viem').getAddress).toBe('function')
    expect(typeof requirePeer<{ privateKeyToAccount: unknown }>('viem', 'viem/accounts').privateKeyToAccount).toBe('function')
  })

  it('rethrows a failure that is not the peer missing as it is (here: a subpath the peer does not export)', () => {
    expect(() => requirePeer('viem', 'viem/no-such-subpath')).toThrow(expect.objectContaining({ code: 'ERR_PACKAGE_PATH_NOT_EXPORTED' }))
  })

  it('names the peers package.json declares, with the same ranges', () => {
    const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', '..', 'package.json'), 'utf8'))
    expect(PEERS).toEqual(pkg.peerDependencies)
  })

  it.each(Object.keys(PEERS) as Peer[])('advises on %s in one line: the entry points that need it, and the install command', (peer) => {
    const message = missingPeerMessage(peer)
    expect(message).not.toMatch(/\n/)
    expect(message).toMatch(/\(grid-did\/[^)]+ needs? it; it is an optional peer dependency\)/)
    expect(message.endsWith(`: npm install ${peer}@${PEERS[peer]}`)).toBe(true)
  })
})

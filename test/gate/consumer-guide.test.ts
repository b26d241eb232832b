/**
 * The README's guide "Add a contract of your own that consumes the gate": its Solidity snippet is
 * compiled as it stands (solc 0.8.37 with contracts/GridRoleGate.sol and GridTerms.sol beside it),
 * deployed on the dev chain next to a real gate, and used: an attested subscription goes through,
 * other terms, another role and too few signatures revert with their errors.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import type { Abi, Hex } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GATE_ARTIFACT, consumerAudience } from 'grid-did/gate'
import { deployArtifact } from '../../src/ledger/evm.js'
import { termsDigest } from '../../src/index.js'
import { ATTESTORS, BIDDER, ChainWorld, h } from './chain-world.js'

const root = new URL('../../', import.meta.url)
const read = (path: string) => readFileSync(new URL(path, root), 'utf8')

/** The first ```solidity block after the guide's heading in README.md. */
function snippet(): string {
  const readme = read('README.md')
  const at = readme.indexOf('### Add a contract of your own that consumes the gate')
  expect(at).toBeGreaterThan(0)
  const match = /```solidity\n([\s\S]*?)```/.exec(readme.slice(at))
  expect(match).not.toBeNull()
  return match![1]!
}

function compile(source: string): { abi: Abi; bytecode: Hex } {
  const solc = createRequire(import.meta.url)('solc') as { compile(input: string): string }
  const input = {
    language: 'Solidity',
    sources: {
      'PeakNotices.sol': { content: source },
      'GridRoleGate.sol': { content: read('contracts/GridRoleGate.sol') },
      'GridTerms.sol': { content: read('contracts/GridTerms.sol') },
    },
    settings: {
      evmVersion: 'paris',
      optimizer: { enabled: true, runs: 200 },
      outputSelection: { 'PeakNotices.sol': { PeakNotices: ['abi', 'evm.bytecode.object'] } },
    },
  }
  const output = JSON.parse(solc.compile(JSON.stringify(input))) as {
    errors?: { severity: string; formattedMessage: string }[]
    contracts: Record<string, Record<string, { abi: Abi; evm: { bytecode: { object: string } } }>>
  }
  const problems = (output.errors ?? []).filter((e) => e.severity === 'error' || e.severity === 'warning')
  expect(problems.map((e) => e.formattedMessage)).toEqual([])
  const c = output.contracts['PeakNotices.sol']!.PeakNotices!
  // The gate's errors bubble up through the contract: add them for decoding, as the package's artifacts do.
  const gateErrors = (GATE_ARTIFACT.abi as Abi).filter((item) => item.type === 'error')
  return { abi: [...c.abi, ...gateErrors], bytecode: `0x${c.evm.bytecode.object}` }
}

describe("README: a contract of one's own consuming the gate", () => {
  let w: ChainWorld
  let notices: Hex
  beforeAll(async () => {
    const compiled = compile(snippet())
    w = await ChainWorld.create()
    notices = (await deployArtifact('peak notices', { rpc: w.chain, account: BIDDER, artifact: compiled }, [w.gate])).address
    w.abis.set(notices.toLowerCase(), compiled.abi)
  })
  afterAll(() => w?.close())

  it('accepts an attested subscription bound to its terms; refuses other terms, another role and too few signatures', async () => {
    const user = 'did:grid:z6MkSubscriber'
    const region = 330106
    const attestation = async (terms: Record<string, unknown>, role = 'user', signers = ATTESTORS.slice(0, 3)) => {
      const a = {
        consumer: notices,
        subject: h(user),
        actingFor: h(user),
        role: h(role),
        action: h('notice.subscribe'),
        capacityW: 0n,
        licensedW: 0n,
        terms: termsDigest(terms) as Hex,
        presentation: h(`vp-${role}-${JSON.stringify(terms)}-${signers.length}`),
        height: (await w.head()).number,
        expiry: BigInt(w.now + 600),
      }
      return { a, sigs: await w.sign(a, signers) }
    }
    const terms = { chainId: w.chain.chainId, consumer: notices.toLowerCase(), region }
    expect(consumerAudience(w.chain.chainId, notices)).toBe(`eip155:${w.chain.chainId}:${notices}`)

    const other = await attestation({ ...terms, region: 330100 })
    const expectedDigest = termsDigest(terms)
    expect(await w.reverts(BIDDER, notices, 'subscribe', [region, other.a, other.sigs])).toEqual({
      errorName: 'TermsMismatch',
      args: [expectedDigest, other.a.terms],
    })
    const aggregator = await attestation(terms, 'aggregator')
    expect(await w.reverts(BIDDER, notices, 'subscribe', [region, aggregator.a, aggregator.sigs])).toEqual({
      errorName: 'AttestationMismatch',
      args: ['role'],
    })
    const weak = await attestation(terms, 'user', ATTESTORS.slice(0, 2))
    expect(await w.reverts(BIDDER, notices, 'subscribe', [region, weak.a, weak.sigs])).toEqual({
      errorName: 'NotEnoughSignatures',
      args: [2n, 3n],
    })
    expect(await w.call(notices, 'regionOf', [h(user)])).toBe(0n)

    const good = await attestation(terms)
    const sent = await w.ok(BIDDER, notices, 'subscribe', [region, good.a, good.sigs])
    expect(sent.events.map((e) => e.eventName)).toEqual(['RoleAttested'])
    expect(await w.call(notices, 'regionOf', [h(user)])).toBe(BigInt(region))
  })
})

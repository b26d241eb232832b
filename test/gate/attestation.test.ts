import { describe, expect, it } from 'vitest'
import {
  concat,
  createPublicClient,
  createWalletClient,
  custom,
  encodeAbiParameters,
  keccak256,
  parseEventLogs,
  recoverAddress,
  stringToBytes,
  type Hex,
} from 'viem'
import { privateKeyToAccount, type LocalAccount } from 'viem/accounts'
import {
  AttestationRefusedError,
  GATE_ARTIFACT,
  deployGate,
  ROLE_ATTESTATION_TYPE,
  attestRole,
  recoverAttestors,
  verifyAttestation,
  roleAttestationDigest,
  roleAttestationTypedData,
  type AttestRoleOptions,
  type RoleAttestation,
} from 'grid-did/gate'
import { GridError, GridResolver, createPresentation, termsDigest, type RoleRequirement } from '../../src/index.js'
import { CLAIMS, World, type Party } from '../vc/world.js'
import { createDevChain } from 'grid-did/ledger/devchain'

// Role decisions attested for the on-chain gate, on the role-check test world (a real memory
// ledger, real credentials, status lists and trust registry). The gate's and the consumer's
// addresses are fixed: signing and recovering need no deployed contract.

const AUDIENCE = 'did:grid:test:contract#response'
const CHALLENGE = 'nonce-0001'
const CHAIN_ID = 1337
const GATE = '0x5FbDB2315678afecb367f032d93F642f64180aa3' as const
const CONSUMER = '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512' as const
const attestor = (n: number): LocalAccount => privateKeyToAccount(`0x${n.toString(16).padStart(2, '0').repeat(32)}` as Hex)
const TERMS = { event: 'peak-2027-01-01-01', role: 'user', capacityKw: 120, priceFen: 1200 }
const REQ: RoleRequirement = { role: 'user', action: 'response.bid', capacityKw: 120 }

/** An account that counts what it signs (a real viem account underneath). */
function counting(account: LocalAccount): LocalAccount & { signed: number } {
  const out = { ...account, signed: 0 } as LocalAccount & { signed: number }
  out.signTypedData = (async (typed: Parameters<LocalAccount['signTypedData']>[0]) => {
    out.signed++
    return account.signTypedData(typed)
  }) as LocalAccount['signTypedData']
  return out
}

function present(w: World, holder: Party, credentials: string[], binding?: string): Promise<string> {
  return createPresentation({
    holder: holder.jwt,
    credentials,
    audience: AUDIENCE,
    challenge: CHALLENGE,
    issuedAt: w.now,
    validUntil: w.now + 3_600,
    ...(binding !== undefined ? { binding } : {}),
  })
}

/** What an attestor is asked at `height`: the time is that block's anchoring time. */
async function ask(
  w: World,
  vp: string,
  height: number,
  extra: Partial<AttestRoleOptions> = {},
  resolver = w.resolver,
): Promise<AttestRoleOptions> {
  const block = await w.ledger.batch(height)
  if (!block) throw new Error(`no batch at ${height}`)
  return {
    presentation: vp,
    requirement: REQ,
    context: { resolver, trustRegistry: w.registry, audience: AUDIENCE, challenge: CHALLENGE },
    terms: TERMS,
    height,
    time: block.time,
    consumer: CONSUMER,
    chainId: CHAIN_ID,
    gate: GATE,
    expiry: block.time + 600,
    account: attestor(1),
    ...extra,
  }
}

async function refused(promise: Promise<unknown>): Promise<AttestationRefusedError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(AttestationRefusedError)
  expect(err).toBeInstanceOf(GridError)
  expect((err as AttestationRefusedError).code).toBe('ERR_GRID_ATTESTATION_REFUSED')
  return err as AttestationRefusedError
}

const codes = (err: AttestationRefusedError) => err.reasons.map((r) => r.code)
const head = async (w: World) => (await w.ledger.head()).height

/** The EIP-712 digest computed by hand from the type string of GATE-TYPE.md (independent of viem's hashTypedData). */
function digestByHand(a: RoleAttestation): Hex {
  const typeHash = keccak256(
    stringToBytes(
      'RoleAttestation(address consumer,bytes32 subject,bytes32 actingFor,bytes32 role,bytes32 action,uint256 capacityW,uint256 licensedW,bytes32 terms,bytes32 presentation,uint64 height,uint64 expiry)',
    ),
  )
  const structHash = keccak256(
    encodeAbiParameters(
      [
        { type: 'bytes32' },
        { type: 'address' },
        { type: 'bytes32' },
        { type: 'bytes32' },
        { type: 'bytes32' },
        { type: 'bytes32' },
        { type: 'uint256' },
        { type: 'uint256' },
        { type: 'bytes32' },
        { type: 'bytes32' },
        { type: 'uint64' },
        { type: 'uint64' },
      ],
      [
        typeHash,
        a.consumer,
        a.subject,
        a.actingFor,
        a.role,
        a.action,
        a.capacityW,
        a.licensedW,
        a.terms,
        a.presentation,
        a.height,
        a.expiry,
      ],
    ),
  )
  const domainHash = keccak256(
    encodeAbiParameters(
      [{ type: 'bytes32' }, { type: 'bytes32' }, { type: 'bytes32' }, { type: 'uint256' }, { type: 'address' }],
      [
        keccak256(stringToBytes('EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)')),
        keccak256(stringToBytes('GridRoleGate')),
        keccak256(stringToBytes('1')),
        BigInt(CHAIN_ID),
        GATE,
      ],
    ),
  )
  return keccak256(concat(['0x1901', domainHash, structHash]))
}

/** A user with a role credential and a presentation bound to TERMS, anchored before the next batch. */
async function bidder(w: World, label = 'user-1', binding: string | null = termsDigest(TERMS)) {
  const user = await w.party(label)
  const vc = await w.issue('user', user.did)
  w.now += 60
  const vp = await present(w, user, [vc], binding ?? undefined)
  await w.party(`${label}-later`) // a batch anchored at the presentation's time
  return { user, vc, vp, height: await head(w) }
}

describe('attestRole: an allowed presentation', () => {
  it('is attested with hashed fields, and the recovered signer is the attestor', async () => {
    const w = await World.create()
    const { user, vp, height } = await bidder(w)
    const account = counting(attestor(1))
    const { attestation, signature, attestor: who, decision } = await attestRole(await ask(w, vp, height, { account }))
    expect(decision.allowed).toBe(true)
    expect(account.signed).toBe(1)
    expect(who).toBe(account.address)
    const time = (await w.ledger.batch(height))!.time
    expect(attestation).toEqual({
      consumer: CONSUMER,
      subject: keccak256(stringToBytes(user.did)),
      actingFor: keccak256(stringToBytes(user.did)),
      role: keccak256(stringToBytes('user')),
      action: keccak256(stringToBytes('response.bid')),
      capacityW: 120_000n,
      licensedW: 0n, // a user's credential licenses no aggregate capacity
      terms: termsDigest(TERMS),
      presentation: keccak256(stringToBytes(vp)),
      height: BigInt(height),
      expiry: BigInt(time + 600),
    })
    expect(ROLE_ATTESTATION_TYPE).toBe(
      'RoleAttestation(address consumer,bytes32 subject,bytes32 actingFor,bytes32 role,bytes32 action,uint256 capacityW,uint256 licensedW,bytes32 terms,bytes32 presentation,uint64 height,uint64 expiry)',
    )
    const domain = { chainId: CHAIN_ID, gate: GATE }
    expect(await recoverAttestors(domain, attestation, [signature])).toEqual([account.address])
    // The digest matches the one computed by hand from the type string the gate declares.
    const digest = digestByHand(attestation)
    expect(roleAttestationDigest(domain, attestation)).toBe(digest)
    expect(await recoverAddress({ hash: digest, signature })).toBe(account.address)
  })

  it("an aggregator's attestation carries its licensed aggregate capacity (maxAggregatedCapacityKw × 1000 W)", async () => {
    const w = await World.create()
    const agg = await w.party('aggregator-1')
    const vc = await w.issue('aggregator', agg.did)
    w.now += 60
    const terms = { ...TERMS, role: 'aggregator' }
    const vp = await present(w, agg, [vc], termsDigest(terms))
    await w.party('aggregator-1-later')
    const requirement: RoleRequirement = { role: 'aggregator', action: 'response.bid', capacityKw: 150 }
    const { attestation, decision } = await attestRole(await ask(w, vp, await head(w), { requirement, terms }))
    expect(decision.claims?.maxAggregatedCapacityKw).toBe(50_000)
    expect(attestation.licensedW).toBe(50_000_000n)
    expect(attestation.capacityW).toBe(150_000n)
    expect(attestation.role).toBe(keccak256(stringToBytes('aggregator')))
    expect(attestation.subject).toBe(keccak256(stringToBytes(agg.did)))
    expect(attestation.actingFor).toBe(attestation.subject)
  })

  it("never outlives what it attests: the expiry is capped at the presentation's exp and at its credentials' exp", async () => {
    const w = await World.create()
    const user = await w.party('user-1')
    const shortVc = await w.issue('user', user.did, undefined, 1) // the credential ends a day after issuance
    const longVc = await w.issue('user', user.did)
    w.now += 60
    const vpOf = (credentials: string[], validUntil: number) =>
      createPresentation({
        holder: user.jwt,
        credentials,
        audience: AUDIENCE,
        challenge: CHALLENGE,
        issuedAt: w.now,
        validUntil,
        binding: termsDigest(TERMS),
      })
    const shortExp = w.now + 120
    const shortVp = await vpOf([longVc], shortExp)
    const shortCredentialVp = await vpOf([shortVc], w.now + 30 * 86_400)
    await w.party('user-1-later')
    const height = await head(w)
    const time = (await w.ledger.batch(height))!.time
    const far = time + 90 * 86_400
    const a = await attestRole(await ask(w, shortVp, height, { expiry: far }))
    expect(a.attestation.expiry).toBe(BigInt(shortExp))
    const b = await attestRole(await ask(w, shortCredentialVp, height, { expiry: far }))
    const credentialExp = JSON.parse(Buffer.from(shortVc.split('.')[1]!, 'base64url').toString()).exp as number
    expect(b.attestation.expiry).toBe(BigInt(credentialExp))
    expect(credentialExp).toBeLessThan(far)
    // An asked expiry earlier than both is kept.
    const c = await attestRole(await ask(w, shortVp, height, { expiry: time + 60 }))
    expect(c.attestation.expiry).toBe(BigInt(time + 60))
  })

  it('a licence that is not a whole number of watts is attested rounded down (1.001 kW is 1,001 W; 12.3456 kW is 12,345 W), never refused as malformed', async () => {
    const w = await World.create()
    const terms = { ...TERMS, role: 'aggregator' }
    const requirement: RoleRequirement = { role: 'aggregator', action: 'response.bid', capacityKw: 1 }
    for (const [kw, watts] of [
      [1.001, 1_001n],
      [12.3456, 12_345n],
    ] as const) {
      const agg = await w.party(`aggregator-${kw}`)
      const vc = await w.issue('aggregator', agg.did, { ...CLAIMS.aggregator, maxAggregatedCapacityKw: kw })
      w.now += 60
      const vp = await present(w, agg, [vc], termsDigest(terms))
      await w.party(`aggregator-${kw}-later`)
      const { attestation, decision } = await attestRole(await ask(w, vp, await head(w), { requirement, terms }))
      expect(decision.claims?.maxAggregatedCapacityKw).toBe(kw)
      expect(attestation.licensedW).toBe(watts)
    }
  })

  it('four attestors, each with its own resolver on the ledger, reach byte-identical typed data at one height', async () => {
    const w = await World.create()
    const { vp, height } = await bidder(w)
    await w.party('someone-after') // the head moves on: the decision is pinned to `height`
    w.now += 600
    const accounts = [1, 2, 3, 4].map(attestor)
    const results = await Promise.all(
      accounts.map(async (account) =>
        attestRole(await ask(w, vp, height, { account }, new GridResolver({ networks: { test: w.ledger } }))),
      ),
    )
    const domain = { chainId: CHAIN_ID, gate: GATE }
    const typed = results.map((r) =>
      JSON.stringify(roleAttestationTypedData(domain, r.attestation), (_, v) => (typeof v === 'bigint' ? v.toString() : v)),
    )
    expect(new Set(typed).size).toBe(1)
    expect(new Set(results.map((r) => roleAttestationDigest(domain, r.attestation))).size).toBe(1)
    const recovered = await recoverAttestors(
      domain,
      results[0]!.attestation,
      results.map((r) => r.signature),
    )
    expect(recovered).toEqual(accounts.map((a) => a.address))
  })
})

describe('attestRole: refusals are never signed', () => {
  it('a revoked credential is refused with status-revoked', async () => {
    const w = await World.create()
    const { vc, vp } = await bidder(w)
    await w.status.revoke(vc)
    const account = counting(attestor(1))
    const err = await refused(attestRole(await ask(w, vp, await head(w), { account })))
    expect(codes(err)).toEqual(['status-revoked'])
    expect(err.height).toBe(await head(w))
    expect(err.message).toBe(`the role check at height ${await head(w)} denied: status-revoked`)
    expect(account.signed).toBe(0)
  })

  it('a presentation bound to no terms is refused with binding-missing, with or without the terms', async () => {
    const w = await World.create()
    const { vp, height } = await bidder(w, 'user-1', null)
    const account = counting(attestor(1))
    const given = await refused(attestRole(await ask(w, vp, height, { account })))
    expect(codes(given)).toEqual(['binding-missing'])
    const own = await refused(attestRole(await ask(w, vp, height, { account, terms: undefined })))
    expect(codes(own)).toEqual(['binding-missing'])
    expect(own.reasons[0]!.message).toBe('the presentation is bound to no terms: an attestation names the terms it authorises')
    expect(account.signed).toBe(0)
  })

  it('other terms than the presentation is bound to are refused with binding-mismatch (front-running)', async () => {
    const w = await World.create()
    const { vp, height } = await bidder(w)
    const account = counting(attestor(1))
    const err = await refused(attestRole(await ask(w, vp, height, { account, terms: { ...TERMS, priceFen: 1300 } })))
    expect(codes(err)).toEqual(['binding-mismatch'])
    expect(account.signed).toBe(0)
    // Without terms, the presentation's own binding is what is attested.
    const { attestation } = await attestRole(await ask(w, vp, height, { account, terms: undefined }))
    expect(attestation.terms).toBe(termsDigest(TERMS))
  })

  it('a capacity that is not whole watts is a RangeError, and nothing is signed', async () => {
    const w = await World.create()
    const { vp, height } = await bidder(w)
    const account = counting(attestor(1))
    await expect(attestRole(await ask(w, vp, height, { account, requirement: { ...REQ, capacityKw: 0.0005 } }))).rejects.toThrow(
      new RangeError('capacityKw must be a non-negative whole number of watts, got 0.0005 kW'),
    )
    expect(account.signed).toBe(0)
  })
})

describe('attestRole: determinism at a height', () => {
  it('after a revocation anchored at h, heights >= h are refused and h-1 is still attested', async () => {
    const w = await World.create()
    const { vc, vp } = await bidder(w)
    const before = await head(w)
    w.now += 60
    await w.status.revoke(vc)
    const h = await head(w)
    expect(h).toBe(before + 1) // the revocation is the batch at h
    w.now += 60
    await w.party('someone-after')
    const account = counting(attestor(1))
    const allowed = await attestRole(await ask(w, vp, h - 1, { account }))
    expect(allowed.attestation.height).toBe(BigInt(h - 1))
    for (const at of [h, h + 1]) {
      const err = await refused(attestRole(await ask(w, vp, at, { account })))
      expect(codes(err)).toEqual(['status-revoked'])
      expect(err.height).toBe(at)
    }
    expect(account.signed).toBe(1)
  })
})

describe('recoverAttestors', () => {
  it('recovers a different signer for every tampered field and for another domain', async () => {
    const w = await World.create()
    const { vp, height } = await bidder(w)
    const account = attestor(1)
    const { attestation, signature } = await attestRole(await ask(w, vp, height, { account }))
    const domain = { chainId: CHAIN_ID, gate: GATE }
    const other = '0x' + 'ab'.repeat(32)
    const tampered: Partial<RoleAttestation>[] = [
      { consumer: '0x0000000000000000000000000000000000000001' },
      { subject: other as Hex },
      { actingFor: other as Hex },
      { role: keccak256(stringToBytes('aggregator')) },
      { action: keccak256(stringToBytes('settlement.receive')) },
      { capacityW: attestation.capacityW + 1n },
      { licensedW: attestation.licensedW + 1n },
      { terms: termsDigest({ ...TERMS, priceFen: 1300 }) as Hex },
      { presentation: other as Hex },
      { height: attestation.height + 1n },
      { expiry: attestation.expiry + 1n },
    ]
    for (const change of tampered) {
      const [who] = await recoverAttestors(domain, { ...attestation, ...change }, [signature])
      expect(who, Object.keys(change)[0]).not.toBe(account.address)
    }
    expect((await recoverAttestors({ ...domain, chainId: 1 }, attestation, [signature]))[0]).not.toBe(account.address)
    expect((await recoverAttestors({ ...domain, gate: CONSUMER }, attestation, [signature]))[0]).not.toBe(account.address)
    expect(await recoverAttestors(domain, attestation, [signature])).toEqual([account.address])
  })

  it('rejects a malformed signature with a TypeError', async () => {
    const attestation: RoleAttestation = {
      consumer: CONSUMER,
      subject: keccak256(stringToBytes('a')),
      actingFor: keccak256(stringToBytes('a')),
      role: keccak256(stringToBytes('user')),
      action: keccak256(stringToBytes('response.bid')),
      capacityW: 0n,
      licensedW: 0n,
      terms: termsDigest(TERMS) as Hex,
      presentation: keccak256(stringToBytes('x')),
      height: 1n,
      expiry: 2n,
    }
    await expect(recoverAttestors({ chainId: CHAIN_ID, gate: GATE }, attestation, ['0x1234'])).rejects.toThrow(
      new TypeError('each signature must be 65 bytes as 0x and 130 hex digits'),
    )
    // What the gate refuses as BadSignature is refused off chain too: the malleated copy of a valid
    // signature (n - s, v flipped), a v of 0, a zero r.
    const signer = privateKeyToAccount(`0x${'11'.repeat(32)}`)
    const valid = await signer.signTypedData(roleAttestationTypedData({ chainId: CHAIN_ID, gate: GATE }, attestation))
    expect(await recoverAttestors({ chainId: CHAIN_ID, gate: GATE }, attestation, [valid])).toEqual([signer.address])
    const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n
    const s = BigInt(`0x${valid.slice(66, 130)}`)
    const v = Number.parseInt(valid.slice(130), 16)
    const malleated = `${valid.slice(0, 66)}${(n - s).toString(16).padStart(64, '0')}${(v === 27 ? 28 : 27).toString(16)}` as Hex
    const refused = new TypeError(
      'a signature the gate refuses (BadSignature): r and s must be non-zero, s in the lower half of the curve order, v 27 or 28',
    )
    for (const bad of [malleated, `${valid.slice(0, 130)}00` as Hex, `0x${'00'.repeat(32)}${valid.slice(66)}` as Hex]) {
      await expect(recoverAttestors({ chainId: CHAIN_ID, gate: GATE }, attestation, [bad])).rejects.toThrow(refused)
    }
    // r = 5 is no x-coordinate of secp256k1 (5³ + 7 is not a square mod p): ecrecover fails, and so does the gate.
    const offCurve = `0x${'5'.padStart(64, '0')}${valid.slice(66)}` as Hex
    await expect(recoverAttestors({ chainId: CHAIN_ID, gate: GATE }, attestation, [offCurve])).rejects.toThrow(
      new TypeError('a signature the gate refuses (BadSignature): it recovers no public key'),
    )
    const verdict = await verifyAttestation({ chainId: CHAIN_ID, gate: GATE }, attestation, [valid, offCurve], {
      attestors: [signer.address],
      threshold: 1,
    })
    expect(verdict.reasons).toEqual([
      { code: 'bad-signature', message: 'signature 1: a signature the gate refuses (BadSignature): it recovers no public key' },
    ])
  })
})

describe('attestRole → GridRoleGate on an EVM (the two halves agree)', () => {
  it('deployGate deploys it; three of four attestations made by attestRole are accepted once by the deployed gate; two are not enough; a replay reverts', async () => {
    const w = await World.create()
    const { vp, height } = await bidder(w)
    const chain = await createDevChain()
    try {
      const client = createPublicClient({ transport: custom(chain) })
      const wallet = (account: LocalAccount) => createWalletClient({ account, transport: custom(chain) })
      const attestors = [1, 2, 3, 4].map(attestor)
      const consumer = privateKeyToAccount(`0x${'c1'.repeat(32)}`)
      const admin = `0x${'a1'.repeat(32)}` as const
      const bad = { rpc: chain, account: admin, attestors: attestors.map((a) => a.address), threshold: 3, maxAgeBlocks: 1_000_000 }
      await expect(deployGate({ ...bad, threshold: 5 })).rejects.toThrow(
        new RangeError('threshold must be an integer from 1 to the number of attestors (4)'),
      )
      await expect(deployGate({ ...bad, attestors: [attestors[0]!.address, attestors[0]!.address] })).rejects.toThrow(
        new RangeError('attestors must not repeat an address'),
      )
      await expect(deployGate({ ...bad, maxAgeBlocks: 0 })).rejects.toThrow(new RangeError('maxAgeBlocks must be a positive integer'))
      const { address: gate } = await deployGate(bad)
      expect(await client.readContract({ address: gate, abi: GATE_ARTIFACT.abi, functionName: 'threshold' })).toBe(3n)
      expect(await client.readContract({ address: gate, abi: GATE_ARTIFACT.abi, functionName: 'admin' })).toBe(
        privateKeyToAccount(admin).address,
      )
      // The decision's height must not be above the chain's block number (on a real consortium chain they are one ledger).
      while ((await client.getBlockNumber()) < BigInt(height)) await chain.request({ method: 'evm_mine' })
      const extra = { consumer: consumer.address, chainId: chain.chainId, gate, expiry: 2 ** 40 }
      const signed = await Promise.all(attestors.map(async (account) => attestRole(await ask(w, vp, height, { ...extra, account }))))
      const attestation = signed[0]!.attestation
      for (const s of signed) expect(s.attestation).toEqual(attestation)
      const signatures = signed.map((s) => s.signature)
      const args = (sigs: Hex[]) =>
        ({ address: gate, abi: GATE_ARTIFACT.abi, functionName: 'verify', args: [attestation, sigs], account: consumer }) as const

      expect(
        await client.readContract({ address: gate, abi: GATE_ARTIFACT.abi, functionName: 'check', args: [attestation, signatures] }),
      ).toBe(4n)
      await expect(client.simulateContract(args(signatures.slice(0, 2)))).rejects.toThrow(/NotEnoughSignatures/)
      const hash = await wallet(consumer).writeContract({ ...args(signatures.slice(1)), chain: null, gasPrice: 0n, gas: 1_000_000n })
      const receipt = await client.waitForTransactionReceipt({ hash })
      expect(receipt.status).toBe('success')
      const [event] = parseEventLogs({ abi: GATE_ARTIFACT.abi, logs: receipt.logs, eventName: 'RoleAttested' })
      expect(event!.args).toMatchObject({ consumer: consumer.address, presentation: attestation.presentation, role: attestation.role })
      await expect(client.simulateContract(args(signatures))).rejects.toThrow(/Replayed/)
    } finally {
      await chain.close()
    }
  })
})

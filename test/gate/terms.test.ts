import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { MAX_CHAIN_CAPACITY_KW, chainBidTerms, chainClaimTerms, consumerAudience } from 'grid-did/gate'
import { termsDigest } from '../../src/index.js'

// The chain terms: the flat objects a contract rebuilds byte for byte. The expected digests are
// computed here with node:crypto over the literal JCS strings, independently of the package's JCS.

const EVENT = `0x${'ab'.repeat(32)}`
const DR = '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512'
const SETTLEMENT = '0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0'
const USER = 'did:grid:z6MkUser'
// keccak256(UTF-8 "did:grid:z6MkUser"), a literal so the JCS string below is literal too.
const USER_HASH = '0x1507de541116b62c8b593eca803eaa00c19a1e2cecc27e59d344724557a3bc86'
const sha256 = (text: string) => `0x${createHash('sha256').update(text, 'utf8').digest('hex')}`
const bid = { chainId: 1337, consumer: DR, event: EVENT, role: 'user' as const, actingFor: USER, capacityKw: 120, priceFen: 1200 }

describe('chainBidTerms', () => {
  it('gives the flat terms (the DID hashed, addresses and ids lowercase) whose digest is SHA-256 of the literal JCS string', () => {
    const terms = chainBidTerms({ ...bid, event: EVENT.toUpperCase().replace('0X', '0x') })
    expect(terms).toEqual({
      actingFor: USER_HASH,
      capacityKw: 120,
      chainId: 1337,
      consumer: DR.toLowerCase(),
      event: EVENT,
      priceFen: 1200,
      role: 'user',
    })
    const jcs = `{"actingFor":"${USER_HASH}","capacityKw":120,"chainId":1337,"consumer":"0xe7f1725e7734ce288f8367e1bb143e90bb3f0512","event":"${EVENT}","priceFen":1200,"role":"user"}`
    expect(termsDigest(terms)).toBe(sha256(jcs))
    expect(termsDigest(terms)).toBe('0x5613e7ac9cf6eadd908eaa22a776d6d2530ca2d881488581cf81ee9d2816bcd4')
    // Stable: the same input, in any case and key order, gives the same digest.
    expect(
      termsDigest(
        chainBidTerms({
          priceFen: 1200,
          capacityKw: 120,
          actingFor: USER,
          role: 'user',
          event: EVENT,
          consumer: DR.toLowerCase(),
          chainId: 1337,
        }),
      ),
    ).toBe('0x5613e7ac9cf6eadd908eaa22a776d6d2530ca2d881488581cf81ee9d2816bcd4')
    // Any change of any term changes the digest.
    for (const change of [
      { capacityKw: 121 },
      { priceFen: 1201 },
      { chainId: 1 },
      { role: 'aggregator' as const },
      { actingFor: 'did:grid:z6MkOther' },
      { consumer: SETTLEMENT },
    ]) {
      expect(termsDigest(chainBidTerms({ ...bid, ...change }))).not.toBe(sha256(jcs))
    }
    expect(chainBidTerms({ ...bid, role: 'production-base', capacityKw: MAX_CHAIN_CAPACITY_KW }).role).toBe('production-base')
  })

  it('refuses malformed terms: TypeError for a wrong type, RangeError for a value out of range', () => {
    const cases: [Record<string, unknown>, ErrorConstructor, string][] = [
      [{ chainId: '1337' }, TypeError, 'chainId must be a number'],
      [{ chainId: 0 }, RangeError, 'chainId must be a positive safe integer'],
      [{ consumer: '0x1234' }, TypeError, 'consumer must be a 0x-prefixed 20-byte address'],
      [{ event: '0xab' }, TypeError, 'event must be a bytes32 (0x and 64 hex digits)'],
      [{ role: 'operator' }, RangeError, 'role must be one of user, aggregator, production-base, got operator'],
      [{ role: 7 }, TypeError, 'role must be a string'],
      [{ actingFor: 7 }, TypeError, 'actingFor must be a DID string'],
      [{ actingFor: 'alice' }, RangeError, 'actingFor must be a DID (did:method:id)'],
      [{ capacityKw: 0 }, RangeError, `capacityKw must be an integer from 1 to ${MAX_CHAIN_CAPACITY_KW}, got 0`],
      [{ capacityKw: 1.5 }, RangeError, `capacityKw must be an integer from 1 to ${MAX_CHAIN_CAPACITY_KW}, got 1.5`],
      [
        { capacityKw: MAX_CHAIN_CAPACITY_KW + 1 },
        RangeError,
        `capacityKw must be an integer from 1 to ${MAX_CHAIN_CAPACITY_KW}, got ${MAX_CHAIN_CAPACITY_KW + 1}`,
      ],
      [{ capacityKw: 120n }, TypeError, 'capacityKw must be a number'],
      [{ priceFen: -1 }, RangeError, `priceFen must be an integer from 1 to ${Number.MAX_SAFE_INTEGER}, got -1`],
      [{ priceFen: 2 ** 53 }, RangeError, `priceFen must be an integer from 1 to ${Number.MAX_SAFE_INTEGER}, got ${2 ** 53}`],
    ]
    for (const [change, kind, message] of cases) {
      expect(() => chainBidTerms({ ...bid, ...change } as never), message).toThrow(new kind(message))
      expect(() => chainBidTerms({ ...bid, ...change } as never)).toThrow(kind)
    }
    expect(() => chainBidTerms(null as never)).toThrow(new TypeError('bid terms must be an object'))
  })
})

describe('chainClaimTerms', () => {
  it('gives {bid, chainId, consumer, event} whose digest is SHA-256 of the literal JCS string', () => {
    const terms = chainClaimTerms({ chainId: 1337, consumer: SETTLEMENT, event: EVENT, bid: 3 })
    expect(terms).toEqual({ bid: 3, chainId: 1337, consumer: SETTLEMENT.toLowerCase(), event: EVENT })
    const jcs = `{"bid":3,"chainId":1337,"consumer":"0x9fe46736679d2d9a65f0992f2272de9f3c7fa6e0","event":"${EVENT}"}`
    expect(termsDigest(terms)).toBe(sha256(jcs))
    expect(termsDigest(terms)).toBe('0xfc56d1219dcc5b7692e6aaaa8b9234c3721b5d79ac7b0a9abcfb12614801e37a')
  })

  it('refuses a bid number that is not a safe integer ≥ 1, and malformed fields', () => {
    const base = { chainId: 1337, consumer: SETTLEMENT, event: EVENT, bid: 3 }
    expect(() => chainClaimTerms({ ...base, bid: 0 })).toThrow(
      new RangeError(`bid must be an integer from 1 to ${Number.MAX_SAFE_INTEGER}, got 0`),
    )
    expect(() => chainClaimTerms({ ...base, bid: '3' as never })).toThrow(new TypeError('bid must be a number'))
    expect(() => chainClaimTerms({ ...base, consumer: 'settlement' })).toThrow(
      new TypeError('consumer must be a 0x-prefixed 20-byte address'),
    )
    expect(() => chainClaimTerms({ ...base, event: 'peak-1' })).toThrow(new TypeError('event must be a bytes32 (0x and 64 hex digits)'))
    expect(() => chainClaimTerms({ ...base, chainId: -5 })).toThrow(new RangeError('chainId must be a positive safe integer'))
  })
})

describe('consumerAudience', () => {
  it('is the CAIP-10 account id with the EIP-55 checksummed address', () => {
    expect(consumerAudience(1337, DR.toLowerCase())).toBe('eip155:1337:0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512')
    expect(consumerAudience(4242, SETTLEMENT.toUpperCase().replace('0X', '0x'))).toBe(
      'eip155:4242:0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0',
    )
    expect(() => consumerAudience(0, DR)).toThrow(new RangeError('chainId must be a positive safe integer'))
    expect(() => consumerAudience(1337, 'nope')).toThrow(new TypeError('address must be a 0x-prefixed 20-byte address'))
  })
})

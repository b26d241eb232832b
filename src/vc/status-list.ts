import { fromBase64url, toBase64url } from '../lib/bytes.js'
import type { JsonValue } from '../lib/jcs.js'
import { readAtMost } from '../lib/stream.js'

/**
 * W3C Bitstring Status List v1.0: a bitstring of at least 131,072 entries, GZIP-compressed and
 * multibase base64url-encoded (`u…`), where bit 0 is the most significant bit of the first byte.
 * Status lists are anchored as DID-linked resources of their issuer, so a verifier needs nothing but
 * the resolver to check status.
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#status-lists
 */

/** Why a credential's status can change: revocation is final, suspension can be lifted. */
export type StatusPurpose = 'revocation' | 'suspension'

/** The minimum length of a list (herd privacy, Bitstring Status List §5). */
export const STATUS_LIST_MIN_LENGTH = 131_072
/**
 * The largest decompressed list a verifier accepts: 262,144 entries (32 KiB), the longest list an
 * issuer may keep, so a tiny GZIP bomb cannot cost memory or time.
 */
export const STATUS_LIST_MAX_BYTES = (2 * STATUS_LIST_MIN_LENGTH) / 8
/** The resource type of an anchored status list. */
export const STATUS_LIST_RESOURCE_TYPE = 'BitstringStatusListCredential'

/** A `credentialStatus` entry (Bitstring Status List §2.1). */
export interface StatusListEntry {
  id: string
  type: 'BitstringStatusListEntry'
  statusPurpose: StatusPurpose
  /** Decimal string. */
  statusListIndex: string
  /** URL of the list: a DID-linked resource of the credential's issuer. */
  statusListCredential: string
}

/** The resource id of the `n`-th list of a purpose, e.g. `status-revocation-1`. */
export function statusListResourceId(purpose: StatusPurpose, n: number): string {
  return `status-${purpose}-${n}`
}

/** The entry for `index` in the list at `url`. */
export function statusEntry(url: string, purpose: StatusPurpose, index: number): StatusListEntry {
  return {
    id: `${url}#${index}`,
    type: 'BitstringStatusListEntry',
    statusPurpose: purpose,
    statusListIndex: String(index),
    statusListCredential: url,
  }
}

/** Bits 0…length-1, MSB-first in each byte. */
export class Bitstring {
  readonly bytes: Uint8Array

  constructor(bytesOrLength: Uint8Array | number) {
    if (typeof bytesOrLength === 'number') {
      if (!Number.isSafeInteger(bytesOrLength) || bytesOrLength <= 0 || bytesOrLength % 8 !== 0) {
        throw new RangeError('length must be a positive multiple of 8')
      }
      this.bytes = new Uint8Array(bytesOrLength / 8)
    } else this.bytes = bytesOrLength
  }

  get length(): number {
    return this.bytes.length * 8
  }

  /** @throws {RangeError} for an index outside the list (never read as "not set"). */
  get(index: number): boolean {
    if (!Number.isSafeInteger(index) || index < 0 || index >= this.length) throw new RangeError(`index must be 0-${this.length - 1}`)
    return ((this.bytes[index >>> 3]! >>> (7 - (index & 7))) & 1) === 1
  }

  set(index: number, value: boolean): void {
    if (!Number.isSafeInteger(index) || index < 0 || index >= this.length) throw new RangeError(`index must be 0-${this.length - 1}`)
    const mask = 1 << (7 - (index & 7))
    this.bytes[index >>> 3] = value ? this.bytes[index >>> 3]! | mask : this.bytes[index >>> 3]! & ~mask
  }

  /** `u` + base64url(gzip(bits)). */
  async encode(): Promise<string> {
    return `u${toBase64url(await pipe(this.bytes, new CompressionStream('gzip'), Infinity))}`
  }

  /**
   * Decodes an `encodedList`.
   * @throws {RangeError} when it is not `u`-prefixed base64url GZIP data of 131,072 to 8 Mi bits.
   */
  static async decode(encodedList: string): Promise<Bitstring> {
    if (typeof encodedList !== 'string' || !/^u[A-Za-z0-9_-]+$/.test(encodedList)) {
      throw new RangeError('encodedList must be multibase base64url (u…)')
    }
    let bytes: Uint8Array
    try {
      bytes = await pipe(fromBase64url(encodedList.slice(1)), new DecompressionStream('gzip'), STATUS_LIST_MAX_BYTES)
    } catch (err) {
      if (err instanceof RangeError) throw new RangeError(`encodedList decompresses to more than ${STATUS_LIST_MAX_BYTES} bytes`)
      throw new RangeError(`encodedList is not valid GZIP data: ${(err as Error).message}`)
    }
    if (bytes.length * 8 < STATUS_LIST_MIN_LENGTH) throw new RangeError(`a status list has at least ${STATUS_LIST_MIN_LENGTH} entries`)
    return new Bitstring(bytes)
  }
}

/** Runs bytes through a (de)compression stream, refusing output larger than `max` bytes. */
async function pipe(input: Uint8Array, transform: CompressionStream | DecompressionStream, max: number): Promise<Uint8Array> {
  const writer = transform.writable.getWriter()
  const written = writer.write(input as Uint8Array<ArrayBuffer>).then(() => writer.close())
  written.catch(() => undefined)
  const out = await readAtMost(transform.readable, max)
  if (!out) throw new RangeError(`output exceeds ${max} bytes`)
  await written
  return out
}

/**
 * The anchored content of a status list: a `BitstringStatusListCredential` whose integrity comes
 * from the signed, hash-linked resource operation (so it carries no `proof` of its own).
 */
export function statusListContent(url: string, issuer: string, purpose: StatusPurpose, encodedList: string): { [key: string]: JsonValue } {
  return {
    '@context': ['https://www.w3.org/ns/credentials/v2'],
    id: url,
    type: ['VerifiableCredential', 'BitstringStatusListCredential'],
    issuer,
    credentialSubject: { id: `${url}#list`, type: 'BitstringStatusList', statusPurpose: purpose, encodedList },
  }
}

/** The purpose and encoded list of anchored status-list content, or a message saying what is wrong. */
export function readStatusListContent(
  content: Readonly<Record<string, unknown>>,
  url: string,
): { purpose: string; encodedList: string } | string {
  const subject = content.credentialSubject as Record<string, unknown> | undefined
  if (content.id !== url) return 'the list content names another URL'
  if (typeof subject !== 'object' || subject === null || subject.type !== 'BitstringStatusList')
    return 'the content is not a BitstringStatusList'
  if (typeof subject.statusPurpose !== 'string' || typeof subject.encodedList !== 'string')
    return 'the list has no statusPurpose or encodedList'
  return { purpose: subject.statusPurpose, encodedList: subject.encodedList }
}

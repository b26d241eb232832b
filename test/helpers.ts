import { expect } from 'vitest'
import {
  Ed25519KeyPair,
  InvalidOperationError,
  createDid,
  type GridError,
  type AnchoredOperation,
  type DocumentContent,
  type EncodedOperation,
} from '../src/index.js'
import { toBase64url, utf8Encode } from '../src/lib/bytes.js'
import { canonicalize, type JsonValue } from '../src/lib/jcs.js'
import { signingInput, type Operation } from '../src/method/operation.js'

/** A deterministic key per label, so failures reproduce. */
export function key(label: string): Ed25519KeyPair {
  const seed = new Uint8Array(32)
  seed.set(Buffer.from(`test ${label}`.padEnd(32, '#')).subarray(0, 32))
  return Ed25519KeyPair.fromSecretKey(seed)
}

export function vm(id: string, k: Ed25519KeyPair, purposes: string[] = ['authentication', 'assertionMethod']) {
  return { id, type: 'Multikey' as const, publicKeyMultibase: k.publicKeyMultibase, purposes: purposes as never }
}

/** A fresh DID's create operation with one signing key. */
export async function newDid(
  label = 'a',
  document?: DocumentContent,
): Promise<{ create: EncodedOperation; update: Ed25519KeyPair; recovery: Ed25519KeyPair; signing: Ed25519KeyPair }> {
  const update = key(`${label}-update`)
  const recovery = key(`${label}-recovery`)
  const signing = key(`${label}-signing`)
  const create = await createDid({
    network: 'test',
    updateKey: update,
    recoveryKey: recovery,
    nonce: `nonce-${label}`.padEnd(16, '_'),
    document: document ?? { verificationMethods: [vm('key-1', signing)] },
  })
  return { create, update, recovery, signing }
}

/**
 * Signs an arbitrary object as an operation WITHOUT any validation, for crafting operations that a
 * well-behaved client would never produce (the resolver must still cope with them).
 */
export function forge(op: Record<string, unknown>, signer: Ed25519KeyPair): Uint8Array {
  const withKey = { ...op, key: signer.publicKeyMultibase }
  const sig = toBase64url(signer.signSync(signingInput(withKey as unknown as Operation)))
  return utf8Encode(canonicalize({ ...withKey, sig } as JsonValue))
}

/** Places operation bytes at successive ledger positions, one per height, one hour apart. */
export function anchored(ops: (Uint8Array | { bytes: Uint8Array })[], start = 1_767_225_600): AnchoredOperation[] {
  return ops.map((op, i) => ({ bytes: op instanceof Uint8Array ? op : op.bytes, height: i + 1, position: 0, time: start + i * 3600 }))
}

/** Asserts that `fn` throws InvalidOperationError with this reason and a matching message. */
export function expectFault(fn: () => unknown, reason: string, message: string | RegExp): void {
  let caught: unknown
  try {
    fn()
  } catch (err) {
    caught = err
  }
  expect(caught).toBeInstanceOf(InvalidOperationError)
  const err = caught as InvalidOperationError
  expect(err.code).toBe('ERR_GRID_INVALID_OPERATION')
  expect(err.reason).toBe(reason)
  expect(err.message).toMatch(message)
}

/** Asserts that `promise` rejects with an error of class `cls`, this `code` and a matching message; returns it. */
export async function expectRejects(
  promise: Promise<unknown>,
  cls: abstract new (...args: never[]) => GridError,
  code: string,
  message: RegExp,
): Promise<GridError> {
  let caught: unknown
  try {
    await promise
  } catch (err) {
    caught = err
  }
  expect(caught).toBeInstanceOf(cls)
  expect((caught as GridError).code).toBe(code)
  expect((caught as GridError).message).toMatch(message)
  return caught as GridError
}

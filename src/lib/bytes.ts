import { equals } from 'uint8arrays/equals'
import { fromString } from 'uint8arrays/from-string'
import { toString } from 'uint8arrays/to-string'

// Node's Buffer codes base64url natively, ~10× faster than the portable coder; other runtimes use
// uint8arrays. Buffer's decoder skips invalid characters, so callers that need strictness check the
// alphabet and re-encode (as the JWS and operation decoders do); both paths agree on valid input.
const NodeBuffer = (globalThis as { Buffer?: typeof Buffer }).Buffer

export const utf8Encode = (text: string): Uint8Array => fromString(text, 'utf8')
export const utf8Decode = (bytes: Uint8Array): string => toString(bytes, 'utf8')
export const toHex = (bytes: Uint8Array): string => toString(bytes, 'base16')
export const fromHex = (text: string): Uint8Array => fromString(text, 'base16')
export const toBase64url = NodeBuffer
  ? (bytes: Uint8Array): string => NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url')
  : (bytes: Uint8Array): string => toString(bytes, 'base64url')
export const fromBase64url = NodeBuffer
  ? (text: string): Uint8Array => {
      const buf = NodeBuffer.from(text, 'base64url')
      return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength)
    }
  : (text: string): Uint8Array => fromString(text, 'base64url')
export const bytesEqual = (a: Uint8Array, b: Uint8Array): boolean => equals(a, b)

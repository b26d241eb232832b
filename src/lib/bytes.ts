import { equals } from 'uint8arrays/equals'
import { fromString } from 'uint8arrays/from-string'
import { toString } from 'uint8arrays/to-string'

export const utf8Encode = (text: string): Uint8Array => fromString(text, 'utf8')
export const utf8Decode = (bytes: Uint8Array): string => toString(bytes, 'utf8')
export const toHex = (bytes: Uint8Array): string => toString(bytes, 'base16')
export const fromHex = (text: string): Uint8Array => fromString(text, 'base16')
export const toBase64url = (bytes: Uint8Array): string => toString(bytes, 'base64url')
export const fromBase64url = (text: string): Uint8Array => fromString(text, 'base64url')
export const bytesEqual = (a: Uint8Array, b: Uint8Array): boolean => equals(a, b)

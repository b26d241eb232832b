import { base32 } from 'multiformats/bases/base32'
import { utf8Encode } from '../lib/bytes.js'
import { sha256 } from '../lib/crypto.js'

/** Domain-separation tag of a resource's index key. */
const RESOURCE_KEY_DOMAIN = 'did:grid:resource:v1'

/**
 * The ledger index key of a DID-linked resource: base32 SHA-256 of
 * `"did:grid:resource:v1" || 0x00 || did || "/resources/" || resourceId` — the same 52-character form
 * as a DID suffix, so every ledger adapter stores and reads resources like any other log.
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#did-linked-resources
 */
export function resourceSuffix(did: string, resourceId: string): string {
  return base32.baseEncode(sha256(utf8Encode(`${RESOURCE_KEY_DOMAIN}\u0000${did}/resources/${resourceId}`)))
}

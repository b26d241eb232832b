/**
 * Published size limits (spec §Size limits). Operations beyond them are refused at submission and
 * skipped at resolution, so one oversized or pathological operation can never make a DID costly
 * to resolve.
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#size-limits
 */
export const LIMITS = Object.freeze({
  /** Maximum canonical byte length of one signed operation. */
  operationBytes: 16_384,
  /** Maximum canonical byte length of one resource operation (a status list of 131,072+ entries must fit). */
  resourceBytes: 65_536,
  /** Maximum verification methods in a document. */
  verificationMethods: 32,
  /** Maximum services in a document. */
  services: 32,
  /** Maximum patches in one update. */
  patches: 32,
  /** Maximum entries of `controller` and of `alsoKnownAs`. */
  controllers: 16,
  alsoKnownAs: 16,
  /** Maximum length of a verification-method or service id (the fragment). */
  idLength: 64,
  /** Maximum length of a URI (service endpoint, alsoKnownAs) and of a type string. */
  uriLength: 2_048,
  typeLength: 128,
  /** Maximum length of a DID URL accepted by the parser. */
  didUrlLength: 4_096,
  /** Maximum operations in one anchored batch. */
  batchOperations: 10_000,
})

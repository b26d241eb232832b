import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js'
import type { JsonSchema } from './roles.js'
import { isUnifiedSocialCreditCode } from './uscc.js'

/**
 * Claim validation with ajv (JSON Schema 2020-12), strict mode, formats enforced. One compiled
 * validator per schema object: the built-in schemas and each anchored schema version (its content is
 * frozen and shared by the resolver cache) compile once.
 * @internal
 */
const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true, validateFormats: true })
ajv.addFormat('unified-social-credit-code', { type: 'string', validate: isUnifiedSocialCreditCode })

const compiled = new WeakMap<object, ValidateFunction>()

/**
 * Compiles (once) and returns the validator of a schema.
 * @throws {Error} from ajv when the schema itself is invalid (unknown keyword or format, bad `$ref`).
 */
export function validatorOf(schema: Readonly<JsonSchema>): ValidateFunction {
  let validate = compiled.get(schema)
  if (!validate) {
    // ajv keeps schemas it compiled by `$id` and by object; a copy keeps the frozen original intact.
    validate = ajv.compile(structuredClone(schema) as object)
    compiled.set(schema, validate)
  }
  return validate
}

/** Validates claims; returns one line per violation (`/path: message`), empty when valid. */
export function claimErrors(schema: Readonly<JsonSchema>, claims: unknown): string[] {
  const validate = validatorOf(schema)
  if (validate(claims)) return []
  return (validate.errors ?? []).map((e) => {
    const extra = e.keyword === 'additionalProperties' ? ` "${String((e.params as { additionalProperty?: string }).additionalProperty)}"` : ''
    return `${e.instancePath || '/'}: ${e.message ?? e.keyword}${extra}`
  })
}

import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js'
import type { JsonSchema } from './roles.js'
import { isUnifiedSocialCreditCode } from './uscc.js'

/**
 * Claim validation with ajv (JSON Schema 2020-12), strict mode, formats enforced.
 *
 * Each schema object (a built-in schema, or one anchored schema version, whose content the resolver
 * shares and freezes) compiles once, in an ajv instance of its own that remembers nothing else: the
 * result of a check never depends on which schemas a node happened to compile before. Schemas are
 * self-contained — no `$id`, no `$ref` outside the document, no `$async` — for the same reason.
 *
 * A WeakMap, not an `Lru`: the key is the schema object itself (a built-in constant, or the frozen
 * content the resolver shares for one anchored version), so an entry lives exactly as long as its
 * schema — the resolver's own cache is the bound — and the validator is a pure function of that
 * immutable schema, so sharing it between checks and resolvers changes no answer.
 * @internal
 */
const compiled = new WeakMap<object, ValidateFunction | Error>()

/**
 * The validator of a schema, compiled once per schema object.
 * @throws {Error} when the schema is not a self-contained JSON Schema 2020-12 ajv accepts.
 */
function validatorOf(schema: Readonly<JsonSchema>): ValidateFunction {
  let validate = compiled.get(schema)
  if (!validate) {
    try {
      const problem = selfContainedProblem(schema)
      if (problem) throw new Error(problem)
      const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true, validateFormats: true, addUsedSchema: false })
      ajv.addFormat('unified-social-credit-code', { type: 'string', validate: isUnifiedSocialCreditCode })
      validate = ajv.compile(structuredClone(schema) as object)
    } catch (err) {
      validate = err as Error
    }
    compiled.set(schema, validate)
  }
  if (validate instanceof Error) throw validate
  return validate
}

/** Validates claims; returns one line per violation (`/path: message`), empty when valid. */
export function claimErrors(schema: Readonly<JsonSchema>, claims: unknown): string[] {
  const validate = validatorOf(schema)
  if (validate(claims)) return []
  return (validate.errors ?? []).map((e) => {
    const extra =
      e.keyword === 'additionalProperties' ? ` "${String((e.params as { additionalProperty?: string }).additionalProperty)}"` : ''
    return `${e.instancePath || '/'}: ${e.message ?? e.keyword}${extra}`
  })
}

function selfContainedProblem(value: unknown, depth = 0): string | undefined {
  if (depth > 32) return 'the schema nests too deeply'
  if (typeof value !== 'object' || value === null) return undefined
  if (Array.isArray(value)) {
    for (const item of value) {
      const problem = selfContainedProblem(item, depth + 1)
      if (problem) return problem
    }
    return undefined
  }
  for (const [key, v] of Object.entries(value)) {
    if (key === '$id' || key === '$async' || key === '$anchor' || key === '$dynamicAnchor')
      return `the schema must be self-contained: ${key} is not allowed`
    if ((key === '$ref' || key === '$dynamicRef') && (typeof v !== 'string' || !v.startsWith('#'))) {
      return `the schema must be self-contained: ${key} must point inside the document`
    }
    const problem = selfContainedProblem(v, depth + 1)
    if (problem) return problem
  }
  return undefined
}

/** Building blocks of the OpenAPI document (src/server/openapi.ts): references, contents, the answers every route shares. */
export const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` })
export const response = (name: string) => ({ $ref: `#/components/responses/${name}` })
export const jsonContent = (schema: object) => ({ 'application/json': { schema } })
export const problemContent = { 'application/problem+json': { schema: ref('Problem') } }

/** Methods without an operation here are answered 405 (components.responses.MethodNotAllowed); paths not listed, 404 problem details. */
export const OTHER_METHODS = 'Any other method: 405 with Allow (components.responses.MethodNotAllowed)'

/** The answers every route may give besides its own. */
export const COMMON = {
  '414': response('UriTooLong'),
  '500': response('InternalError'),
}

export const PREFLIGHT = {
  '204': { description: 'CORS preflight: the allowed methods and headers, no body' },
  '414': response('UriTooLong'),
}

import type { GridResolutionOptions } from '../resolver/resolver.js'

/** The resolution options of a POST body (a JSON object), or what is wrong with it. */
export function parseOptions(text: string): GridResolutionOptions | string {
  let value: unknown
  try {
    value = text.trim() === '' ? {} : JSON.parse(text)
  } catch {
    return 'the request body must be a JSON object of resolution options'
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return 'the request body must be a JSON object of resolution options'
  const known = ['accept', 'versionId', 'versionTime', 'ledgerHeight']
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) {
    if (!known.includes(k)) return `unknown resolution option "${k.slice(0, 40)}"; known: ${known.join(', ')}`
    if (k === 'ledgerHeight' ? !Number.isSafeInteger(v) : typeof v !== 'string' && !(k === 'versionId' && Number.isSafeInteger(v))) {
      return `resolution option ${k} has the wrong type`
    }
    out[k] = v
  }
  return out as GridResolutionOptions
}

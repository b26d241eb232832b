import { InvalidDidUrlError } from '../errors.js'
import { isoSeconds } from '../lib/time.js'
import { parseVersionId, parseVersionTime } from '../method/did.js'
import type { ResourceSelection } from './resolution-types.js'

/** Which version a resolution asks for: the n-th, the one current at a time or at a ledger height, or (undefined) the latest. */
export type VersionSelector = { versionId: number } | { versionTime: number } | { ledgerHeight: number } | undefined

/**
 * The version selector of a DID URL's query and of the resolution options together. A bad value in
 * the query is the DID URL's fault (`invalidDidUrl`), one in the options the caller's
 * (`invalidOptions`, DID Resolution §Errors); an option replaces the same parameter of the query,
 * and two different selectors cannot be combined (a selector in the query other than the
 * options' is `invalidDidUrl`).
 */
export function selectorOf(
  params: Record<string, string> | undefined,
  options: ResourceSelection,
): { selector: VersionSelector } | { error: 'invalidDidUrl' | 'invalidOptions'; message: string } {
  let fromUrl: VersionSelector
  let fromOptions: VersionSelector
  try {
    fromUrl = versionSelector(params ?? {})
  } catch (err) {
    if (err instanceof InvalidDidUrlError) return { error: 'invalidDidUrl', message: err.message }
    throw err
  }
  try {
    fromOptions = versionSelector(pickVersion(options))
  } catch (err) {
    if (err instanceof InvalidDidUrlError || err instanceof TypeError)
      return { error: 'invalidOptions', message: `resolution option ${err.message}` }
    throw err
  }
  // A DID URL that selects otherwise than the options is the URL's fault: a caller such as the
  // credential verifier pins ledgerHeight, and a URL taken from a credential may not override it.
  if (fromUrl && fromOptions && Object.keys(fromUrl)[0] !== Object.keys(fromOptions)[0]) {
    return {
      error: 'invalidDidUrl',
      message: `${Object.keys(fromUrl)[0]} in the DID URL cannot be combined with the resolution option ${Object.keys(fromOptions)[0]}`,
    }
  }
  return { selector: fromOptions ?? fromUrl }
}

function pickVersion(options: ResourceSelection): Record<string, string> {
  const out: Record<string, string> = {}
  if (options.versionId !== undefined) out.versionId = String(options.versionId)
  if (options.versionTime !== undefined) out.versionTime = String(options.versionTime)
  if (options.ledgerHeight !== undefined) out.ledgerHeight = String(options.ledgerHeight)
  return out
}

function versionSelector(params: Record<string, string>): VersionSelector {
  const given = ['versionId', 'versionTime', 'ledgerHeight'].filter((k) => params[k] !== undefined)
  if (given.length > 1) throw new InvalidDidUrlError(`${given.join(' and ')} cannot be combined`)
  if (params.versionId !== undefined) return { versionId: parseVersionId(params.versionId) }
  if (params.versionTime !== undefined) return { versionTime: parseVersionTime(params.versionTime) }
  if (params.ledgerHeight !== undefined) {
    if (!/^(0|[1-9][0-9]{0,14})$/.test(params.ledgerHeight)) throw new InvalidDidUrlError('ledgerHeight must be a non-negative integer')
    return { ledgerHeight: Number(params.ledgerHeight) }
  }
  return undefined
}

export function describe(selector: VersionSelector): string {
  if (!selector) return 'latest'
  if ('versionId' in selector) return `versionId ${selector.versionId}`
  if ('versionTime' in selector) return `versionTime ${isoSeconds(selector.versionTime)}`
  return `ledger height ${selector.ledgerHeight}`
}

/** Index of the version a selector picks among applied versions in ledger order, if any. */
export function selectIndex(
  versions: readonly { height: number; time: number }[],
  selector: NonNullable<VersionSelector>,
): number | undefined {
  if ('versionId' in selector) return selector.versionId >= 1 && selector.versionId <= versions.length ? selector.versionId - 1 : undefined
  if ('ledgerHeight' in selector) {
    // Heights never decrease in ledger order: a binary search, so a list with thousands of versions
    // (a status list, one version per revocation) costs a check a few steps.
    let lo = 0
    let hi = versions.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (versions[mid]!.height > selector.ledgerHeight) hi = mid
      else lo = mid + 1
    }
    return lo === 0 ? undefined : lo - 1
  }
  let found: number | undefined
  for (let i = 0; i < versions.length; i++) {
    const v = versions[i]!
    if (v.time > selector.versionTime) break
    found = i
  }
  return found
}

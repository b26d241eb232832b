import { DidDeactivatedError, DidNotFoundError, InvalidDidError, UnknownNetworkError } from '../errors.js'
import type { DidState } from '../method/state.js'

/** What {@link subjectFault} needs: the latest state of a DID (a `GridResolver` has it). */
export interface SubjectResolver {
  resolveState(did: string): Promise<DidState>
}

/**
 * Why `subject` cannot be given a credential now, or `undefined` when it can: it must be a did:grid
 * DID (a role check resolves the holder's `authentication` key on the consortium ledger at a height,
 * which no other method has), anchored, and not deactivated. The answer is an error to report for
 * that subject — `InvalidDidError`, `UnknownNetworkError`, `DidNotFoundError` or `DidDeactivatedError`.
 * Anything else (a ledger outage, a damaged store) is thrown: it says nothing about the subject.
 *
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#issuance
 */
export async function subjectFault(
  resolver: SubjectResolver,
  subject: string,
): Promise<InvalidDidError | UnknownNetworkError | DidNotFoundError | DidDeactivatedError | undefined> {
  try {
    const state = await resolver.resolveState(subject)
    return state.deactivated ? new DidDeactivatedError(subject) : undefined
  } catch (err) {
    if (err instanceof InvalidDidError || err instanceof UnknownNetworkError || err instanceof DidNotFoundError) return err
    throw err
  }
}

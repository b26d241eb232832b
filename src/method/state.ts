// A DID's state and the fold that computes it: one concept per file, re-exported here for the
// modules that import them from one place.
export { assertApplies, faultOnState, refusal } from './assert-applies.js'
export { checkOperation } from './check-operation.js'
export { DidFold } from './did-fold.js'
export { foldOperations } from './fold-operations.js'
export type {
  AnchoredOperation,
  AppliedVersion,
  CheckedOperation,
  DidHistory,
  DidState,
  FoldMark,
  SkippedOperation,
} from './state-types.js'

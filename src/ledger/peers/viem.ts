// viem, an optional peer dependency of grid-did/ledger/evm and grid-did/gate, loaded by the first
// call that needs it: importing those entries (or grid-did/server, whose attestor handler uses the
// gate) never fails, and the first call without viem throws one DependencyMissingError line.
// Modules import viem's values from here and its types from 'viem' (types are erased).
import type * as Viem from 'viem'
import type * as ViemAccounts from 'viem/accounts'
import { requirePeer } from './load.js'

export type { Abi, AbiEvent, Address, Hex, LocalAccount, Transport } from 'viem'

// The loaded modules, as an import binding would hold them (Node caches the modules themselves).
let viemModule: typeof Viem | undefined
let accountsModule: typeof ViemAccounts | undefined
const viem = (): typeof Viem => (viemModule ??= requirePeer<typeof Viem>('viem'))
const accounts = (): typeof ViemAccounts => (accountsModule ??= requirePeer<typeof ViemAccounts>('viem', 'viem/accounts'))

type Fn = (...args: unknown[]) => unknown
/** A function of viem that loads viem when first called. */
const lazy = <K extends keyof typeof Viem>(name: K): (typeof Viem)[K] =>
  ((...args: unknown[]) => (viem()[name] as Fn)(...args)) as (typeof Viem)[K]
/** A class of viem for `instanceof` only: an error can only be one of viem's if viem was loaded to throw it. */
const errorClass = <K extends 'BaseError' | 'ContractFunctionRevertedError'>(name: K): (typeof Viem)[K] =>
  ({
    [Symbol.hasInstance]: (value: unknown) => viemModule !== undefined && value instanceof viemModule[name],
  }) as unknown as (typeof Viem)[K]

export const BaseError = /* @__PURE__ */ errorClass('BaseError')
export const ContractFunctionRevertedError = /* @__PURE__ */ errorClass('ContractFunctionRevertedError')
export const createClient = /* @__PURE__ */ lazy('createClient')
export const createPublicClient = /* @__PURE__ */ lazy('createPublicClient')
export const createWalletClient = /* @__PURE__ */ lazy('createWalletClient')
export const custom = /* @__PURE__ */ lazy('custom')
export const decodeErrorResult = /* @__PURE__ */ lazy('decodeErrorResult')
export const decodeEventLog = /* @__PURE__ */ lazy('decodeEventLog')
export const decodeFunctionResult = /* @__PURE__ */ lazy('decodeFunctionResult')
export const encodeAbiParameters = /* @__PURE__ */ lazy('encodeAbiParameters')
export const encodeDeployData = /* @__PURE__ */ lazy('encodeDeployData')
export const encodeFunctionData = /* @__PURE__ */ lazy('encodeFunctionData')
export const getAddress = /* @__PURE__ */ lazy('getAddress')
export const hashTypedData = /* @__PURE__ */ lazy('hashTypedData')
export const http = /* @__PURE__ */ lazy('http')
export const isAddress = /* @__PURE__ */ lazy('isAddress')
export const keccak256 = /* @__PURE__ */ lazy('keccak256')
export const recoverTypedDataAddress = /* @__PURE__ */ lazy('recoverTypedDataAddress')
export const rpcSchema = /* @__PURE__ */ lazy('rpcSchema')
export const stringToBytes = /* @__PURE__ */ lazy('stringToBytes')
export const toEventSelector = /* @__PURE__ */ lazy('toEventSelector')
export const generatePrivateKey: typeof ViemAccounts.generatePrivateKey = (...args) => accounts().generatePrivateKey(...args)
export const privateKeyToAccount: typeof ViemAccounts.privateKeyToAccount = (...args) => accounts().privateKeyToAccount(...args)
export const toAccount: typeof ViemAccounts.toAccount = (...args) => accounts().toAccount(...args)

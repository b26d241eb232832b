import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

export const EVM_VERSIONS = ['london', 'paris', 'shanghai', 'cancun', 'prague'] as const
export type EvmVersion = (typeof EVM_VERSIONS)[number]

/** One deterministic solc standard-JSON compile of the registry. */
export function compileRegistry(evmVersion: EvmVersion) {
  return compileContract('GridDidRegistry', ['GridDidRegistry.sol'], evmVersion)
}

/** One deterministic solc standard-JSON compile of the role gate (contracts/GridRoleGate.sol). */
export function compileGate(evmVersion: EvmVersion) {
  return compileContract('GridRoleGate', ['GridRoleGate.sol'], evmVersion)
}

/**
 * One deterministic compile of the reference demand-response contract (contracts/DemandResponse.sol,
 * which imports the gate and GridTerms.sol). Its ABI also lists the gate's errors, which bubble up
 * from `bid`, so a client decodes them by name.
 */
export function compileDemandResponse(evmVersion: EvmVersion) {
  return compileContract('GridDemandResponse', ['DemandResponse.sol', 'GridRoleGate.sol', 'GridTerms.sol'], evmVersion, true)
}

/** One deterministic compile of the reference settlement contract (contracts/Settlement.sol); its ABI also lists the gate's errors. */
export function compileSettlement(evmVersion: EvmVersion) {
  return compileContract('GridSettlement', ['Settlement.sol', 'DemandResponse.sol', 'GridRoleGate.sol', 'GridTerms.sol'], evmVersion, true)
}

type Output = {
  errors?: { severity: string; formattedMessage: string }[]
  contracts: Record<
    string,
    Record<string, { abi: { type: string; name?: string }[]; evm: { bytecode: { object: string }; deployedBytecode: { object: string } } }>
  >
}

/**
 * Compiles contract NAME from `files[0]` (the other files are what it imports, all in contracts/)
 * with the pinned solc and fixed settings. `sourceSha256` is the SHA-256 of the main file.
 */
function compileContract(name: string, files: readonly string[], evmVersion: EvmVersion, withGateErrors = false) {
  const solc = createRequire(import.meta.url)('solc') as { compile(input: string): string; version(): string }
  const read = (file: string) => readFileSync(fileURLToPath(new URL(`../contracts/${file}`, import.meta.url)), 'utf8')
  const sources = Object.fromEntries(files.map((file) => [file, { content: read(file) }]))
  const settings = {
    evmVersion,
    optimizer: { enabled: true, runs: 200 },
    metadata: { bytecodeHash: 'none' as const },
    outputSelection: {
      [files[0]!]: { [name]: ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] },
      ...(withGateErrors ? { 'GridRoleGate.sol': { GridRoleGate: ['abi'] } } : {}),
    },
  }
  const output = JSON.parse(solc.compile(JSON.stringify({ language: 'Solidity', sources, settings }))) as Output
  const problems = (output.errors ?? []).filter((e) => e.severity === 'error' || e.severity === 'warning')
  if (problems.length > 0) throw new Error(problems.map((e) => e.formattedMessage).join('\n'))
  const contract = output.contracts[files[0]!]![name]!
  let abi = contract.abi
  if (withGateErrors) {
    const own = new Set(abi.filter((item) => item.type === 'error').map((item) => item.name))
    const gateErrors = output.contracts['GridRoleGate.sol']!.GridRoleGate!.abi.filter(
      (item) => item.type === 'error' && !own.has(item.name),
    )
    abi = [...abi, ...gateErrors]
  }
  return {
    contractName: name,
    compiler: `solc ${solc.version()}`,
    evmVersion,
    optimizer: settings.optimizer,
    sourceSha256: createHash('sha256').update(sources[files[0]!]!.content).digest('hex'),
    abi,
    bytecode: `0x${contract.evm.bytecode.object}`,
    deployedBytecode: `0x${contract.evm.deployedBytecode.object}`,
  }
}

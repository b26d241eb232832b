import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

export const EVM_VERSIONS = ['london', 'paris', 'shanghai', 'cancun', 'prague'] as const
export type EvmVersion = (typeof EVM_VERSIONS)[number]

/** One deterministic solc standard-JSON compile of the registry. */
export function compileRegistry(evmVersion: EvmVersion) {
  return compileContract('GridDidRegistry', evmVersion)
}

/** One deterministic solc standard-JSON compile of the role gate (contracts/GridRoleGate.sol). */
export function compileGate(evmVersion: EvmVersion) {
  return compileContract('GridRoleGate', evmVersion)
}

/** Compiles contracts/NAME.sol (one contract named NAME) with the pinned solc and fixed settings. */
function compileContract(name: 'GridDidRegistry' | 'GridRoleGate', evmVersion: EvmVersion) {
  const solc = createRequire(import.meta.url)('solc') as { compile(input: string): string; version(): string }
  const content = readFileSync(fileURLToPath(new URL(`../contracts/${name}.sol`, import.meta.url)), 'utf8')
  const settings = {
    evmVersion,
    optimizer: { enabled: true, runs: 200 },
    metadata: { bytecodeHash: 'none' as const },
    outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
  }
  const output = JSON.parse(
    solc.compile(JSON.stringify({ language: 'Solidity', sources: { [`${name}.sol`]: { content } }, settings })),
  ) as {
    errors?: { severity: string; formattedMessage: string }[]
    contracts: Record<string, Record<string, { abi: unknown[]; evm: { bytecode: { object: string }; deployedBytecode: { object: string } } }>>
  }
  const problems = (output.errors ?? []).filter((e) => e.severity === 'error' || e.severity === 'warning')
  if (problems.length > 0) throw new Error(problems.map((e) => e.formattedMessage).join('\n'))
  const contract = output.contracts[`${name}.sol`]![name]!
  return {
    contractName: name,
    compiler: `solc ${solc.version()}`,
    evmVersion,
    optimizer: settings.optimizer,
    sourceSha256: createHash('sha256').update(content).digest('hex'),
    abi: contract.abi,
    bytecode: `0x${contract.evm.bytecode.object}`,
    deployedBytecode: `0x${contract.evm.deployedBytecode.object}`,
  }
}

/**
 * Compiles `contracts/*.sol` with the npm `solc` pinned in package-lock, so every machine
 * produces byte-identical output without a native toolchain. Writes, per contract:
 *   contracts/artifacts/<Name>.json  { contractName, abi, bytecode, sourceHash }
 * and, for HAVEN, `src/chain/haven.abi.ts`: a TypeScript copy of the ABI `as const`, because
 * viem infers function names, arguments and return types only from literal ABI types, which
 * a JSON import loses.
 *
 * Usage: node -r @swc-node/register scripts/compile-contracts.ts
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, normalize, relative, resolve } from 'node:path';

import solcUntyped from 'solc';

/** The two calls used here, typed: the package declares everything as `any`. */
const solc = solcUntyped as {
  compile(input: string, options: { import: (path: string) => { contents: string } | { error: string } }): string;
  version(): string;
};

export interface AbiParameter {
  name: string;
  type: string;
  internalType?: string;
  indexed?: boolean;
  components?: AbiParameter[];
}

export interface AbiEntry {
  type: string;
  name?: string;
  inputs?: AbiParameter[];
  outputs?: AbiParameter[];
  stateMutability?: string;
  anonymous?: boolean;
}

export interface ContractArtifact {
  contractName: string;
  abi: AbiEntry[];
  bytecode: `0x${string}`;
  /** sha256 of the solc version and the contract's own source: changes whenever a recompile is due. */
  sourceHash: string;
}

interface SolcMessage {
  severity: 'error' | 'warning' | 'info';
  formattedMessage: string;
}

interface SolcOutput {
  errors?: SolcMessage[];
  contracts?: Record<string, Record<string, { abi: AbiEntry[]; evm: { bytecode: { object: string } } }>>;
}

export class ContractCompileError extends Error {
  constructor(readonly messages: string[]) {
    super(`Solidity compilation failed:\n${messages.join('\n')}`);
    this.name = 'ContractCompileError';
  }
}

const ROOT_DIR = resolve(__dirname, '..');
const CONTRACTS_DIR = 'contracts';
/** The ABI module viem code imports; generated so it can never drift from the artifact. */
const HAVEN_ABI_MODULE = join('src', 'chain', 'haven.abi.ts');

export function sourceHashOf(source: string, solcVersion: string): string {
  return createHash('sha256').update(`solc ${solcVersion}\n`).update(source).digest('hex');
}

/**
 * Compiles every `contracts/<Name>.sol` and returns the artifact of the contract `<Name>`
 * in each. Warnings are returned rather than printed, so callers decide how loud to be.
 */
export function compileContracts(rootDir: string = ROOT_DIR): { artifacts: ContractArtifact[]; warnings: string[] } {
  const files = readdirSync(join(rootDir, CONTRACTS_DIR))
    .filter((file) => file.endsWith('.sol'))
    .sort();
  const sources = Object.fromEntries(
    files.map((file) => [`${CONTRACTS_DIR}/${file}`, { content: readFileSync(join(rootDir, CONTRACTS_DIR, file), 'utf8') }]),
  );
  const input = {
    language: 'Solidity',
    sources,
    settings: {
      optimizer: { enabled: true, runs: 200 },
      // Cancun: supported by Base and by anvil's default (later) hardfork alike.
      evmVersion: 'cancun',
      outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
    },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: importFrom(rootDir) })) as SolcOutput;
  const messages = output.errors ?? [];
  const errors = messages.filter((message) => message.severity === 'error').map((message) => message.formattedMessage);
  if (errors.length > 0) throw new ContractCompileError(errors);

  const solcVersion = solc.version() as string;
  const artifacts = Object.entries(sources).map(([unitName, { content }]): ContractArtifact => {
    const contractName = basename(unitName, '.sol');
    const compiled = output.contracts?.[unitName]?.[contractName];
    if (compiled === undefined) throw new ContractCompileError([`${unitName} does not define contract ${contractName}`]);
    return {
      contractName,
      abi: compiled.abi,
      bytecode: `0x${compiled.evm.bytecode.object}`,
      sourceHash: sourceHashOf(content, solcVersion),
    };
  });
  const warnings = messages.filter((message) => message.severity === 'warning').map((message) => message.formattedMessage);
  return { artifacts, warnings };
}

/** Resolves `@openzeppelin/...` (any package import) from node_modules, never outside it. */
function importFrom(rootDir: string): (path: string) => { contents: string } | { error: string } {
  const modulesDir = join(rootDir, 'node_modules');
  return (path) => {
    const file = resolve(modulesDir, normalize(path));
    if (relative(modulesDir, file).startsWith('..')) return { error: `Import outside node_modules: ${path}` };
    try {
      return { contents: readFileSync(file, 'utf8') };
    } catch {
      return { error: `Import not found: ${path}` };
    }
  };
}

export function renderArtifactJson(artifact: ContractArtifact): string {
  const { contractName, abi, bytecode, sourceHash } = artifact;
  return JSON.stringify({ contractName, abi, bytecode, sourceHash }, null, 2) + '\n';
}

export function renderHavenAbiModule(artifact: ContractArtifact): string {
  const entries = artifact.abi.map((entry) => `  ${JSON.stringify(entry)},`);
  return [
    '// Generated by scripts/compile-contracts.ts from contracts/HAVEN.sol. Do not edit:',
    '// change the contract and run `npm run contracts:compile`.',
    "import type { Hex } from 'viem';",
    '',
    'export const havenAbi = [',
    ...entries,
    '] as const;',
    '',
    `export const havenBytecode: Hex = '${artifact.bytecode}';`,
    '',
  ].join('\n');
}

export function writeArtifacts(rootDir: string = ROOT_DIR): { written: string[]; warnings: string[] } {
  const { artifacts, warnings } = compileContracts(rootDir);
  const outputs: Array<[string, string]> = artifacts.map((artifact) => [
    join(CONTRACTS_DIR, 'artifacts', `${artifact.contractName}.json`),
    renderArtifactJson(artifact),
  ]);
  const haven = artifacts.find((artifact) => artifact.contractName === 'HAVEN');
  if (haven !== undefined) outputs.push([HAVEN_ABI_MODULE, renderHavenAbiModule(haven)]);
  for (const [path, content] of outputs) {
    mkdirSync(dirname(join(rootDir, path)), { recursive: true });
    writeFileSync(join(rootDir, path), content);
  }
  return { written: outputs.map(([path]) => path), warnings };
}

if (require.main === module) {
  try {
    const { written, warnings } = writeArtifacts();
    for (const warning of warnings) process.stderr.write(warning + '\n');
    process.stdout.write(`solc ${solc.version()}: wrote ${written.join(', ')}\n`);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}

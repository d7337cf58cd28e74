import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { compileContracts, type ContractArtifact, renderArtifactJson, renderHavenAbiModule } from '../../scripts/compile-contracts';

const ROOT = join(__dirname, '..', '..');
const RECOMPILE_HINT = 'contracts/ changed without `npm run contracts:compile`';

// A contract edited without recompiling would deploy stale bytecode in development and tests.
describe('Committed HAVEN artifacts', () => {
  let haven: ContractArtifact;

  beforeAll(() => {
    const found = compileContracts(ROOT).artifacts.find((artifact) => artifact.contractName === 'HAVEN');
    if (found === undefined) throw new Error('contracts/HAVEN.sol did not produce a HAVEN artifact');
    haven = found;
  });

  it(`match a fresh compile of the sources (else: ${RECOMPILE_HINT})`, () => {
    const committed = readFileSync(join(ROOT, 'contracts', 'artifacts', 'HAVEN.json'), 'utf8');
    const parsed = JSON.parse(committed) as { sourceHash: string; bytecode: string };
    expect(parsed.sourceHash).toBe(haven.sourceHash);
    expect(parsed.bytecode).toBe(haven.bytecode);
    expect(committed).toBe(renderArtifactJson(haven));
  });

  it(`include the ABI module viem uses (else: ${RECOMPILE_HINT})`, () => {
    const committed = readFileSync(join(ROOT, 'src', 'chain', 'haven.abi.ts'), 'utf8');
    expect(committed).toBe(renderHavenAbiModule(haven));
  });
});

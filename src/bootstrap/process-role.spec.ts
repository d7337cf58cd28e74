import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

import type { ProcessRoleName } from '../config/app-config';
import type { AppConfigService } from '../config/app-config.service';
import { ProcessRole, runsBackgroundWork, servesApi } from './process-role';

const roleOf = (name: ProcessRoleName) => new ProcessRole({ get: () => name } as unknown as AppConfigService);

const SRC = join(__dirname, '..');
const sourceFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });

describe('ProcessRole', () => {
  it('starts nothing on an api instance and records nothing as running', () => {
    const role = roleOf('api');
    const start = jest.fn();

    role.startBackgroundWork('TransactionSender', start);

    expect(start).not.toHaveBeenCalled();
    expect(role.backgroundWork).toEqual([]);
  });

  it.each(['worker', 'all'] as const)('starts background work on a %s instance and lists what runs', (name) => {
    const role = roleOf(name);
    const start = jest.fn();

    role.startBackgroundWork('TransactionSender', start);
    role.startBackgroundWork('ReceiptConfirmer', start);

    expect(start).toHaveBeenCalledTimes(2);
    expect(role.backgroundWork).toEqual(['TransactionSender', 'ReceiptConfirmer']);
  });

  it('serves the client and admin API everywhere but on a worker, and runs loops everywhere but on an api instance', () => {
    expect((['api', 'worker', 'all'] as const).map((name) => [name, servesApi(name), runsBackgroundWork(name)])).toEqual([
      ['api', true, false],
      ['worker', false, true],
      ['all', true, true],
    ]);
  });

  // A loop that starts on its own would run on api instances too: every one goes through the role.
  it('is how every background loop in the source starts', () => {
    const loopFiles = sourceFiles(SRC).filter((path) => {
      const text = readFileSync(path, 'utf8');
      return /new BackgroundLoop\(|\.addInterval\(|LISTEN /.test(text);
    });
    const unguarded = loopFiles.filter((path) => !readFileSync(path, 'utf8').includes('role.startBackgroundWork('));

    expect(loopFiles.length).toBeGreaterThanOrEqual(7);
    expect(unguarded.map((path) => relative(SRC, path))).toEqual([]);
  });
});

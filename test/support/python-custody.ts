import { execFile } from 'node:child_process';
import { join } from 'node:path';

import { FernetKeyring } from '../../src/custody/crypto/fernet';
import { unwrapFernetToken } from '../../src/custody/crypto/python-fernet-form';
import { REPO_ROOT } from './processes';

/**
 * The Python backend's own key storage (scripts/python-custody.py, Python `cryptography`):
 * `seal` makes stored values from private keys as that backend writes them, `open` reads
 * stored values back as it reads them. Fails the test if Python cannot open a value.
 */
export function pythonCustody(mode: 'seal' | 'open', fernetKey: string, values: readonly string[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = execFile('python3', [join(REPO_ROOT, 'scripts', 'python-custody.py'), mode, fernetKey], (error, stdout, stderr) => {
      if (error) reject(new Error(`python-custody.py ${mode} failed: ${stderr.split('\n').filter(Boolean).at(-1) ?? error.message}`));
      else resolve(JSON.parse(stdout) as string[]);
    });
    child.stdin!.end(JSON.stringify(values));
  });
}

/**
 * The private key (hex, no 0x) in a Fernet-sealed `wallet_custody` row of any form this
 * service reads, for tests that check created keys never reach a log.
 */
export function openFernetRow(stored: string, fernetKeys: readonly string[]): string {
  const plaintext = new FernetKeyring(fernetKeys).decrypt(unwrapFernetToken(stored)).plaintext;
  return plaintext.length === 32 ? plaintext.toString('hex') : plaintext.toString('ascii').replace(/^0x/, '');
}

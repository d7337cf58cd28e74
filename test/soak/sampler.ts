import { readFile } from 'node:fs/promises';

import type { InstanceSlot } from './environment';

export interface SlotMemory {
  peakMb: number;
  finalMb: number;
  /** One sample per interval, for the "flat" check: first and last minute's averages. */
  samplesMb: number[];
}

/** `from->to` → count, per breaker, as an instance's /metrics last reported it. */
type Transitions = Record<string, Record<string, number>>;

const TRANSITION_LINE = /^haven_circuit_breaker_transitions_total\{([^}]*)\}\s+([0-9.e+]+)/;

/**
 * Samples every instance process every few seconds: its resident memory (VmRSS from
 * /proc/<pid>/status) and its breaker transitions (/metrics), kept per process so a killed
 * instance's counts are not lost with it.
 */
export class InstanceSampler {
  readonly memory = new Map<number, SlotMemory>();
  private readonly transitionsByPid = new Map<number, Transitions>();
  private timer: NodeJS.Timeout | undefined;
  private sampling: Promise<void> = Promise.resolve();

  constructor(
    private readonly slots: readonly InstanceSlot[],
    private readonly intervalMs = 3_000,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      this.sampling = this.sampleAll();
    }, this.intervalMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.sampling;
    await this.sampleAll();
  }

  /** Transitions summed over every process that ever ran: breaker → `from->to` → count. */
  transitions(): Transitions {
    const total: Transitions = {};
    for (const byBreaker of this.transitionsByPid.values()) {
      for (const [breaker, moves] of Object.entries(byBreaker)) {
        total[breaker] ??= {};
        for (const [move, count] of Object.entries(moves)) total[breaker][move] = (total[breaker][move] ?? 0) + count;
      }
    }
    return total;
  }

  private async sampleAll(): Promise<void> {
    await Promise.all(this.slots.map((slot) => this.sample(slot)));
  }

  private async sample(slot: InstanceSlot): Promise<void> {
    const instance = slot.instance;
    const pid = instance?.process.child.pid;
    if (instance === undefined || pid === undefined || instance.process.child.exitCode !== null) return;
    const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
    if (Number.isFinite(kb)) {
      const mb = kb / 1024;
      const memory = this.memory.get(slot.index) ?? { peakMb: 0, finalMb: 0, samplesMb: [] };
      memory.peakMb = Math.max(memory.peakMb, mb);
      memory.finalMb = mb;
      memory.samplesMb.push(mb);
      this.memory.set(slot.index, memory);
    }
    const metrics = await fetch(`${instance.url}/metrics`, { signal: AbortSignal.timeout(2_000) })
      .then((response) => (response.ok ? response.text() : ''))
      .catch(() => '');
    if (metrics === '') return;
    const transitions: Transitions = {};
    for (const line of metrics.split('\n')) {
      const match = TRANSITION_LINE.exec(line);
      if (match === null) continue;
      const labels = Object.fromEntries([...match[1].matchAll(/(\w+)="([^"]*)"/g)].map(([, key, value]) => [key, value]));
      transitions[labels.breaker] ??= {};
      transitions[labels.breaker][`${labels.from}->${labels.to}`] = Number(match[2]);
    }
    this.transitionsByPid.set(pid, transitions);
  }
}

import type { SoakClient } from './client';
import type { SoakEnvironment } from './environment';
import type { SoakOptions } from './options';

export interface FaultRecord {
  name: string;
  /** Seconds since the load started. */
  startedAt: number;
  endedAt?: number;
  detail: string;
  error?: string;
}

interface Fault {
  name: string;
  run(): Promise<string>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Every fault once, in a seeded order, each at a seeded moment of its own slice of the load,
 * so each one's effect can be told apart. Resolves when the last fault is over.
 */
export class FaultSchedule {
  readonly records: FaultRecord[] = [];
  /** Ids of the test alerts raised on purpose while a receiver was down. */
  readonly testAlerts: string[] = [];
  readonly plan: Array<{ name: string; atMs: number }>;
  private readonly faults: Map<string, Fault>;

  constructor(
    private readonly env: SoakEnvironment,
    private readonly client: SoakClient,
    private readonly options: SoakOptions,
    private readonly random: () => number,
  ) {
    this.faults = new Map(this.all().map((fault) => [fault.name, fault]));
    const names = [...this.faults.keys()];
    for (let i = names.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [names[i], names[j]] = [names[j], names[i]];
    }
    const slice = options.loadMs / names.length;
    // In the first half of its slice, so most of a fault's effect falls inside the load.
    this.plan = names.map((name, i) => ({ name, atMs: Math.round(i * slice + random() * slice * 0.5) }));
  }

  async run(loadStartedAt: number): Promise<void> {
    for (const { name, atMs } of this.plan) {
      await sleep(loadStartedAt + atMs - Date.now());
      const record: FaultRecord = { name, startedAt: (Date.now() - loadStartedAt) / 1000, detail: '' };
      this.records.push(record);
      try {
        record.detail = await this.faults.get(name)!.run();
      } catch (error) {
        record.error = String(error);
      }
      record.endedAt = (Date.now() - loadStartedAt) / 1000;
    }
  }

  private all(): Fault[] {
    const { env, options } = this;
    const durations = options.faults;
    return [
      {
        name: 'instance SIGKILL',
        run: async () => {
          const slot = env.slots[Math.floor(this.random() * env.slots.length)];
          const instance = slot.instance!;
          slot.down = true;
          instance.process.child.kill('SIGKILL');
          await instance.process.exited;
          await sleep(durations.instanceDownMs);
          await env.startSlot(slot);
          return `instance ${slot.index} (pid ${slot.pids.at(-2)}) killed, restarted as pid ${slot.pids.at(-1)} after ${durations.instanceDownMs} ms`;
        },
      },
      {
        name: 'anvil stopped',
        run: async () => {
          await env.chain.stopNode();
          await sleep(durations.anvilDownMs);
          await env.chain.resumeNode();
          return `node down ${durations.anvilDownMs} ms`;
        },
      },
      {
        name: 'RPC 429 + late answers',
        run: async () => {
          const refused = env.proxy.inject({
            methods: ['eth_sendRawTransaction', 'eth_getTransactionReceipt', 'eth_call'],
            fault: { kind: 'status', status: 429, body: '{"jsonrpc":"2.0","id":1,"error":{"code":-32005,"message":"rate limited"}}' },
          });
          const late = env.proxy.inject({ methods: '*', fault: { kind: 'delay', ms: durations.rpcDelayMs } });
          await sleep(durations.rpcRefusalMs);
          refused.clear();
          late.clear();
          const faulted = Object.values(env.proxy.faulted()).reduce((sum, count) => sum + count, 0);
          return `${durations.rpcRefusalMs} ms of 429 (send, receipt, call) and ${durations.rpcDelayMs} ms late answers; ${faulted} calls faulted`;
        },
      },
      {
        name: 'Redis restarted empty',
        run: async () => {
          await env.redis.restartEmpty();
          return 'SIGKILL, restarted with no data';
        },
      },
      {
        name: 'PostgreSQL restarted',
        run: async () => {
          await env.postgres.restart(durations.postgresDownMs);
          return `fast shutdown, down ${durations.postgresDownMs} ms`;
        },
      },
      {
        name: 'SMTP down',
        run: async () => {
          await env.smtp.pause();
          await this.outage(durations.smtpDownMs);
          await env.smtp.resume();
          return `refusing connections ${durations.smtpDownMs} ms`;
        },
      },
      {
        name: 'webhook 500',
        run: async () => {
          env.webhook.answerWith(() => ({ status: 500 }));
          await this.outage(durations.webhook500Ms);
          env.webhook.answerWith(() => ({ status: 200 }));
          return `answering 500 for ${durations.webhook500Ms} ms`;
        },
      },
    ];
  }

  /** Raises test alerts at the start and in the middle of a receiver's outage. */
  private async outage(ms: number): Promise<void> {
    await this.raiseTestAlert();
    await sleep(ms / 2);
    await this.raiseTestAlert();
    await sleep(ms / 2);
  }

  private async raiseTestAlert(): Promise<void> {
    const answer = await this.client.admin('POST', '/api/v1/admin/alerts/test');
    if (answer?.status !== 202) throw new Error(`alert test answered ${JSON.stringify(answer?.body)}`);
    this.testAlerts.push((answer.body as { id: string }).id);
  }
}

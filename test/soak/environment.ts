import { type AlertReceiver, startAlertReceiver } from '../support/alert-receiver';
import { type CallbackReceiver, startCallbackReceiver } from '../support/callback-receiver';
import { startTestChain, type TestChain } from '../support/chain';
import { type RpcFaultProxy, startRpcFaultProxy } from '../support/rpc-fault-proxy';
import { type ServiceInstance, type SharedServices } from '../support/service-instances';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server';
import { compileService, startSoakInstance } from './instance';
import { type PrivatePostgres, startPrivatePostgres } from './postgres-cluster';
import { type PrivateRedis, startPrivateRedis } from './redis-server';

export const INSTANCE_COUNT = 3;
export const WEBHOOK_PATH = '/alerts';
const ALERT_WEBHOOK_SECRET = 'soak-alert-webhook-secret-0123456789';
const CALLBACK_SECRET = 'soak-callback-secret-0123456789abcdef0123';

/** One of the service instances; `instance` is replaced when it is killed and started again. */
export interface InstanceSlot {
  index: number;
  instance: ServiceInstance | undefined;
  /** Process ids of every life of this slot, oldest first. */
  pids: number[];
  /** What each life of this slot printed (warnings and errors), oldest first. */
  outputs: Array<() => string>;
  /** Set by a fault before it kills the process, so the load stops choosing it at once. */
  down: boolean;
}

/** Everything the campaign runs, all on loopback and private to it. */
export interface SoakEnvironment {
  postgres: PrivatePostgres;
  redis: PrivateRedis;
  chain: TestChain;
  proxy: RpcFaultProxy;
  smtp: TestSmtpServer;
  webhook: AlertReceiver;
  callbacks: CallbackReceiver;
  slots: InstanceSlot[];
  /** The backend wallet's next nonce once set-up (deployment) is done: the campaign's first. */
  firstNonce: bigint;
  /** Instances that are up, for the load to pick from. */
  liveUrls(): string[];
  /** Starts a fresh instance in `slot` (after a kill). */
  startSlot(slot: InstanceSlot): Promise<void>;
  stop(): Promise<void>;
}

/** Starts every service; whatever started is stopped again if a later part fails. */
export async function startEnvironment(log: (line: string) => void, compiled: boolean): Promise<SoakEnvironment> {
  const stops: Array<() => Promise<unknown>> = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch((error: unknown) => log(`clean-up: ${String(error)}`));
  };
  try {
    const build = compiled ? compileService() : undefined;
    if (build !== undefined) {
      stops.push(async () => build.remove());
      log(`compiled the service into ${build.dir}`);
    }
    const [postgres, redis, chain, smtp, webhook, callbacks] = await Promise.all([
      startPrivatePostgres().then((started) => (stops.push(() => started.stop()), started)),
      startPrivateRedis().then((started) => (stops.push(() => started.stop()), started)),
      startTestChain({ blockTime: 2 }).then((started) => (stops.push(() => started.stop()), started)),
      startSmtpServer().then((started) => (stops.push(() => started.close()), started)),
      startAlertReceiver().then((started) => (stops.push(() => started.close()), started)),
      startCallbackReceiver().then((started) => (stops.push(() => started.close()), started)),
    ]);
    // The node's port never changes (resumeNode reuses it), so the upstream is fixed.
    const proxy = await startRpcFaultProxy(chain.rpcUrl);
    stops.push(() => proxy.close());
    const firstNonce = BigInt(await chain.publicClient.getTransactionCount({ address: chain.backendAddress, blockTag: 'pending' }));
    log(`postgres ${postgres.url}, redis ${redis.url}, anvil ${chain.rpcUrl} behind ${proxy.url}, smtp :${smtp.port}`);

    const shared: SharedServices = {
      databaseUrl: postgres.url,
      chain: { ...chain, rpcUrl: proxy.url },
      redisKeyPrefix: 'haven-soak:',
    };
    const extra: Record<string, string> = {
      REDIS_URL: redis.url,
      CONFIRMATIONS: '1',
      MONITOR_INTERVAL_SECONDS: '10',
      ALERT_EMAIL_ENABLED: 'true',
      SMTP_HOST: smtp.host,
      SMTP_PORT: String(smtp.port),
      ALERT_FROM_EMAIL: 'alerts@example.com',
      ALERT_TO_EMAILS: 'ops@example.com',
      ALERT_WEBHOOK_ENABLED: 'true',
      ALERT_WEBHOOK_URLS: `webhook=${webhook.url(WEBHOOK_PATH)}`,
      ALERT_WEBHOOK_SECRET,
      ALERT_ROUTE_INFO: 'none',
      ALERT_ROUTE_WARNING: 'email,webhook',
      ALERT_ROUTE_ERROR: 'email,webhook',
      ALERT_ROUTE_CRITICAL: 'email,webhook',
      CLIENT_CALLBACK_URLS: `default=${callbacks.url('/haven')}`,
      CLIENT_CALLBACK_SECRETS: `default:${CALLBACK_SECRET}`,
    };
    const slots: InstanceSlot[] = Array.from({ length: INSTANCE_COUNT }, (_, index) => ({
      index,
      instance: undefined,
      pids: [],
      outputs: [],
      down: false,
    }));
    const startSlot = async (slot: InstanceSlot) => {
      const instance = await startSoakInstance(shared, extra, build);
      slot.instance = instance;
      slot.pids.push(instance.process.child.pid!);
      slot.outputs.push(() => instance.process.output());
      slot.down = false;
    };
    stops.push(() => Promise.all(slots.map((slot) => stopWithin(slot.instance, 20_000))));
    await Promise.all(slots.map((slot) => startSlot(slot)));
    log(`instances: ${slots.map((slot) => slot.instance!.url).join(', ')}`);

    return {
      postgres,
      redis,
      chain,
      proxy,
      smtp,
      webhook,
      callbacks,
      slots,
      firstNonce,
      liveUrls: () => slots.filter(isLive).map((slot) => slot.instance!.url),
      startSlot,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

function isLive(slot: InstanceSlot): boolean {
  const child = slot.instance?.process.child;
  return !slot.down && child !== undefined && child.exitCode === null && child.signalCode === null;
}

/** SIGTERM (graceful shutdown), SIGKILL if it is not over within `ms`. */
async function stopWithin(instance: ServiceInstance | undefined, ms: number): Promise<void> {
  if (instance === undefined) return;
  const timer = setTimeout(() => instance.process.child.kill('SIGKILL'), ms);
  await instance.stop();
  clearTimeout(timer);
}

/** How big and how long a campaign is: `full` proves the claims, `--quick` guards them in CI. */
export interface SoakOptions {
  mode: 'full' | 'quick';
  seed: number;
  /**
   * `--compiled`: instances run the compiled build (`node dist/src/main.js`, as the image
   * does) instead of `npm start`'s on-the-fly swc compilation, which alone adds ~100 MB RSS.
   */
  compiled: boolean;
  /** Mint requests to send (items of bulk requests count one each). */
  mints: number;
  redeems: number;
  /** Custodial wallets (users) the load mints to and redeems from. */
  users: number;
  /** How long the load runs; the faults are spread over it. */
  loadMs: number;
  /** Every few seconds, this many extra mints at once. */
  burstSize: number;
  burstEveryMs: number;
  /** Items per bulk request, when the bulk route exists. */
  batchItems: number;
  /** Share of mints sent through the bulk route. */
  bulkShare: number;
  /** After the load, how long everything may take to reach a final state. */
  drainMs: number;
  faults: FaultDurations;
}

export interface FaultDurations {
  /** SIGKILLed instance down for this long before it is started again. */
  instanceDownMs: number;
  anvilDownMs: number;
  rpcRefusalMs: number;
  /** How late the proxy answers during the RPC fault. */
  rpcDelayMs: number;
  postgresDownMs: number;
  smtpDownMs: number;
  webhook500Ms: number;
}

const FULL: Omit<SoakOptions, 'seed' | 'compiled'> = {
  mode: 'full',
  mints: 10_000,
  redeems: 1_000,
  users: 200,
  loadMs: 15 * 60_000,
  burstSize: 200,
  burstEveryMs: 30_000,
  batchItems: 100,
  bulkShare: 0.5,
  drainMs: 10 * 60_000,
  faults: {
    instanceDownMs: 5_000,
    anvilDownMs: 45_000,
    rpcRefusalMs: 60_000,
    rpcDelayMs: 3_000,
    postgresDownMs: 5_000,
    smtpDownMs: 120_000,
    webhook500Ms: 60_000,
  },
};

const QUICK: Omit<SoakOptions, 'seed' | 'compiled'> = {
  mode: 'quick',
  mints: 1_500,
  redeems: 150,
  users: 40,
  loadMs: 110_000,
  burstSize: 100,
  burstEveryMs: 20_000,
  batchItems: 50,
  bulkShare: 0.5,
  drainMs: 90_000,
  faults: {
    instanceDownMs: 3_000,
    anvilDownMs: 12_000,
    rpcRefusalMs: 12_000,
    rpcDelayMs: 2_000,
    postgresDownMs: 2_000,
    smtpDownMs: 15_000,
    webhook500Ms: 12_000,
  },
};

export function parseOptions(argv: readonly string[]): SoakOptions {
  const quick = argv.includes('--quick');
  const seedArgument = argv.find((argument) => argument.startsWith('--seed='));
  const seed = seedArgument === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(seedArgument.slice('--seed='.length));
  if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`--seed must be a whole number, not ${seedArgument}`);
  return { ...(quick ? QUICK : FULL), seed, compiled: argv.includes('--compiled') };
}

/** mulberry32: a small seeded generator, so `--seed=N` replays the same schedule and load. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

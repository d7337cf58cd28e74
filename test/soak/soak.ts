/**
 * `npm run soak [-- --quick] [-- --seed=N]`: the load and fault campaign of issue #15.
 * Three service processes share a private PostgreSQL, Redis and anvil (2 s blocks, behind an
 * RPC fault proxy), with real SMTP, webhook and callback receivers; partner-app load runs
 * while every fault strikes once at a seeded moment; then everything drains and is
 * reconciled against the chain, the database and the receivers. Exit code 1 on any violation.
 */
import { reconcileChain } from '../support/reconcile';
import { SoakClient } from './client';
import { checkDeliveries } from './delivery-check';
import { drain } from './drain';
import { type SoakEnvironment, startEnvironment } from './environment';
import { FaultSchedule } from './faults';
import { checkLedger } from './ledger-check';
import { bulkRouteExists, createUsers, LoadGenerator } from './load';
import { checkNonces } from './nonce-check';
import { parseOptions, seededRandom, type SoakOptions } from './options';
import { summarise } from './report';
import { InstanceSampler } from './sampler';

const startedAt = Date.now();
const log = (line: string) => console.log(`[soak +${((Date.now() - startedAt) / 1000).toFixed(0).padStart(4)} s] ${line}`);

async function campaign(options: SoakOptions, env: SoakEnvironment, sampler: InstanceSampler): Promise<number> {
  let giveUpAt = Date.now() + 120_000;
  const client = new SoakClient(
    () => env.liveUrls(),
    () => giveUpAt,
  );
  const firstBlock = await env.chain.publicClient.getBlockNumber({ cacheTime: 0 });
  const users = await createUsers(client, options);
  const bulk = await bulkRouteExists(client);
  log(`${users.size} custodial wallets; bulk route ${bulk ? 'present' : 'absent: single mints only'}`);

  const load = new LoadGenerator(client, env.chain, options, users, bulk, seededRandom(options.seed));
  const faults = new FaultSchedule(env, client, options, seededRandom(options.seed ^ 0x5eed));
  log(`fault plan: ${faults.plan.map((fault) => `${fault.name} at ${(fault.atMs / 1000).toFixed(0)} s`).join(', ')}`);
  sampler.start();
  const loadStartedAt = Date.now();
  giveUpAt = loadStartedAt + options.loadMs + options.drainMs;
  await Promise.all([load.run().then(() => log('load sent and answered')), faults.run(loadStartedAt).then(() => log('faults over'))]);
  const loadMs = Date.now() - loadStartedAt;
  const owed = await drain(env.postgres.url, options.drainMs, log);
  log(`drained: ${JSON.stringify(owed)}`);
  await sampler.stop();

  const breakers = await client.admin('GET', '/api/v1/admin/health/circuit-breakers');
  const states = (breakers?.body?.circuit_breakers ?? {}) as Record<string, { state: string }>;
  log(
    `breakers at the end: ${Object.entries(states)
      .map(([name, report]) => `${name} ${report.state}`)
      .join(', ')}`,
  );
  const [ledger, nonces, deliveries, reconciliation] = await Promise.all([
    checkLedger(env.chain, env.postgres.url, load.ledger.accepted),
    checkNonces(env.chain, env.postgres.url, env.firstNonce, firstBlock),
    checkDeliveries(env, faults.testAlerts),
    // One eth_getLogs over the whole chain: past ~10 MB of events (a full run) viem refuses the answer.
    options.mode === 'quick' ? reconcileChain({ chain: env.chain, databaseUrl: env.postgres.url, allowFailed: true }) : undefined,
  ]);
  const { lines, violations } = summarise({
    options,
    bulk,
    wallMs: Date.now() - startedAt,
    loadMs,
    loadStartedAt,
    faults: faults.records,
    load: load.ledger,
    client: client.stats,
    owed,
    ledger,
    nonces,
    deliveries,
    breakerTransitions: sampler.transitions(),
    breakersOpen: Object.entries(states)
      .filter(([, report]) => report.state === 'open')
      .map(([name]) => name),
    memory: sampler.memory,
  });
  if (reconciliation !== undefined) {
    lines.push(
      `chain: totalSupply ${reconciliation.totalSupply} wei at block ${reconciliation.blockNumber}; ` +
        `minted ${reconciliation.mintedOnChain} = requests ${reconciliation.mintedByRequests}, burned ${reconciliation.burnedOnChain} = requests ${reconciliation.burnedByRequests}`,
    );
    if (reconciliation.problems.length > 0) violations.push(`reconciliation: ${reconciliation.problems.slice(0, 5).join('; ')}`);
  }
  console.log(['', '==== soak summary ====', ...lines, violations.length === 0 ? 'RESULT: PASS' : 'RESULT: FAIL'].join('\n'));
  for (const violation of violations) console.log(`  ✗ ${violation}`);
  if (nonces.duplicates.length + nonces.gaps.length > 0) printNonceLogs(env);
  return violations.length === 0 ? 0 : 1;
}

/** The instances' own words about nonces, every life of every slot: evidence for a conflict. */
function printNonceLogs(env: SoakEnvironment): void {
  for (const slot of env.slots) {
    slot.outputs.forEach((output, life) => {
      const lines = output()
        .split('\n')
        .filter((line) => /nonce|foreign/i.test(line))
        .slice(0, 8);
      if (lines.length > 0)
        console.log(
          `instance ${slot.index} life ${life} (pid ${slot.pids[life]}):\n${lines.map((line) => `  ${line.slice(0, 600)}`).join('\n')}`,
        );
    });
  }
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  log(
    `mode ${options.mode}, seed ${options.seed}, instances run ${options.compiled ? 'the compiled build' : "npm start's swc-compiled sources"}`,
  );
  const env = await startEnvironment(log, options.compiled);
  const sampler = new InstanceSampler(env.slots);
  const cleanUp = async () => {
    await sampler.stop().catch(() => undefined);
    await env.stop();
  };
  // Ctrl-C still stops every process and removes every temp dir.
  process.once('SIGINT', () => void cleanUp().finally(() => process.exit(130)));
  try {
    return await campaign(options, env, sampler);
  } catch (error) {
    log(`campaign aborted: ${(error as Error).stack ?? String(error)}`);
    for (const slot of env.slots) log(`instance ${slot.index} output tail:\n${slot.instance?.process.output().slice(-3000) ?? ''}`);
    return 1;
  } finally {
    await cleanUp();
    log('cleaned up');
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);

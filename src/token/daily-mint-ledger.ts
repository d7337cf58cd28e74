import { Inject, Injectable } from '@nestjs/common';

import { REDIS, type RedisConnection } from '../redis/redis.module';

/** Counted in millionths of a HAVEN, rounded up: Redis integers (and Lua numbers) cannot hold wei. */
const WEI_PER_UNIT = 10n ** 12n;
const DAY_MS = 86_400_000;

// Adds the amount only if the day's total stays within the limit; one round trip, atomic on
// the Redis that every instance shares. Keys outlive their day by one, then expire.
const RESERVE = `
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
local amount = tonumber(ARGV[1])
if used + amount > tonumber(ARGV[2]) then return {0, used} end
local total = redis.call('INCRBY', KEYS[1], amount)
redis.call('EXPIRE', KEYS[1], ARGV[3])
return {1, total}
`;

// A batch's amounts in order, each added if the day's total stays within the limit, as if
// they came one by one: a later, smaller amount may still fit after a larger one did not.
// Returns the total before the batch, then 1 or 0 per amount.
const RESERVE_EACH = `
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
local limit = tonumber(ARGV[1])
local total = used
local flags = {used}
for i = 3, #ARGV do
  local amount = tonumber(ARGV[i])
  if total + amount <= limit then total = total + amount; flags[#flags + 1] = 1 else flags[#flags + 1] = 0 end
end
if total > used then
  redis.call('INCRBY', KEYS[1], total - used)
  redis.call('EXPIRE', KEYS[1], ARGV[2])
end
return flags
`;

/** Per amount of a batch: reserved, or refused with what was left of the allowance at its turn. */
export interface BatchReservation {
  refused: ReadonlyMap<number, bigint>;
  /** Gives back the amounts at these positions (reserved ones whose items were not stored). */
  release: (positions: readonly number[]) => Promise<void>;
}

export interface LedgerEntry {
  /** Gives the amount back: the request it was reserved for was not stored. */
  release(): Promise<void>;
}

/**
 * Each client's minted total for the current UTC day, shared by every instance through Redis
 * (in process without Redis, where there is only one instance). A mint reserves its amount
 * before it is stored and releases it if it is not: a crash between the two over-counts,
 * which errs on the side of minting less.
 */
@Injectable()
export class DailyMintLedger {
  private readonly local = new Map<string, bigint>();

  constructor(@Inject(REDIS) private readonly redis: RedisConnection) {}

  /** Reserves `wei` of `client`'s allowance for today, or answers `exceeded` with what is left. */
  async reserve(client: string, wei: bigint, limitWei: bigint): Promise<LedgerEntry | { exceeded: true; remainingWei: bigint }> {
    const key = ledgerKey(client);
    const units = ceilUnits(wei);
    const limit = limitWei / WEI_PER_UNIT;
    if (this.redis === null) {
      const used = this.local.get(key) ?? 0n;
      if (used + units > limit) return { exceeded: true, remainingWei: remaining(limit, used) };
      this.local.set(key, used + units);
      return { release: async () => void this.local.set(key, (this.local.get(key) ?? units) - units) };
    }
    const ttlSeconds = Math.ceil((2 * DAY_MS) / 1000);
    const [accepted, total] = (await this.redis.eval(RESERVE, 1, key, units.toString(), limit.toString(), ttlSeconds)) as [number, number];
    if (accepted !== 1) return { exceeded: true, remainingWei: remaining(limit, BigInt(total)) };
    const redis = this.redis;
    return { release: async () => void (await redis.decrby(key, units.toString())) };
  }

  /** `reserve` for each amount in order, in one round trip: the batch's items judged as single requests would be. */
  async reserveEach(client: string, weis: readonly bigint[], limitWei: bigint): Promise<BatchReservation> {
    const key = ledgerKey(client);
    const units = weis.map(ceilUnits);
    const limit = limitWei / WEI_PER_UNIT;
    const flags = this.redis === null ? this.reserveLocally(key, units, limit) : await this.reserveInRedis(key, units, limit);
    const refused = new Map<number, bigint>();
    let used = flags[0];
    units.forEach((amount, position) => {
      if (flags[position + 1] === 1n) used += amount;
      else refused.set(position, remaining(limit, used));
    });
    const release = async (positions: readonly number[]): Promise<void> => {
      const total = positions.filter((position) => !refused.has(position)).reduce((sum, position) => sum + units[position], 0n);
      if (total === 0n) return;
      if (this.redis === null) this.local.set(key, (this.local.get(key) ?? total) - total);
      else await this.redis.decrby(key, total.toString());
    };
    return { refused, release };
  }

  private async reserveInRedis(key: string, units: bigint[], limit: bigint): Promise<bigint[]> {
    const ttlSeconds = Math.ceil((2 * DAY_MS) / 1000);
    const args = [limit.toString(), String(ttlSeconds), ...units.map(String)];
    const flags = (await this.redis!.eval(RESERVE_EACH, 1, key, ...args)) as number[];
    return flags.map((flag) => BigInt(flag));
  }

  private reserveLocally(key: string, units: bigint[], limit: bigint): bigint[] {
    const used = this.local.get(key) ?? 0n;
    let total = used;
    const flags = units.map((amount) => (total + amount <= limit ? ((total += amount), 1n) : 0n));
    this.local.set(key, total);
    return [used, ...flags];
  }
}

const ledgerKey = (client: string): string => `mint-ledger:${client}:${new Date().toISOString().slice(0, 10)}`;
const ceilUnits = (wei: bigint): bigint => (wei + WEI_PER_UNIT - 1n) / WEI_PER_UNIT;
const remaining = (limit: bigint, used: bigint): bigint => (limit > used ? (limit - used) * WEI_PER_UNIT : 0n);

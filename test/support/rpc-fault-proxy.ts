import { Agent, createServer, type IncomingMessage, request as httpRequest, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** How the proxy misbehaves for the calls a rule matches. */
export type RpcFault =
  /** The whole HTTP request is answered with this status (and `body`, default the status text); nothing is forwarded. */
  | { kind: 'status'; status: number; body?: string }
  /** Only the matching calls get a JSON-RPC error (default -32005, as rate-limiting providers answer); the rest are forwarded. */
  | { kind: 'rpc-error'; code?: number; message?: string }
  /** The HTTP request is never answered; the socket is held until the rule is cleared or the proxy closes. Nothing is forwarded. */
  | { kind: 'timeout' }
  /** The TCP connection is reset; nothing is forwarded. */
  | { kind: 'reset' }
  /** Forwarded at once, so the node acts on it, but answered only after `ms`: a late answer. */
  | { kind: 'delay'; ms: number }
  /** A node `blocks` blocks behind, which also learns of each mined transaction only `ms` after the proxy first saw it mined. */
  | { kind: 'lag'; blocks?: number; ms?: number };

export interface FaultRule {
  methods: readonly string[] | '*';
  fault: RpcFault;
  /** Only the first N HTTP requests the rule takes effect on; afterwards it matches nothing. */
  times?: number;
}

export interface RpcFaultProxy {
  /** http://127.0.0.1:<port> */
  url: string;
  /** Several rules may be active; the first one injected that matches a call wins for that call. */
  inject(rule: FaultRule): { clear(): void };
  clearAll(): void;
  /** Calls seen per JSON-RPC method (items of batches counted one by one), answered or not. */
  calls(): Record<string, number>;
  /** The block each call of `method` named (a tag or a number after the request object), `null` where it named none. */
  blocksNamed(method: string): Array<string | null>;
  /**
   * Calls whose answer the proxy changed, per method. A whole-request fault ('status',
   * 'timeout', 'reset', 'delay') counts every call of the request, as all of them got it;
   * 'lag' counts only the calls whose request or answer it rewrote.
   */
  faulted(): Record<string, number>;
  resetCounts(): void;
  /** Closes the server, every connection (held ones too), pending delays and upstream sockets. */
  close(): Promise<void>;
}

interface JsonRpcCall {
  jsonrpc?: string;
  id?: unknown;
  method: string;
  params?: unknown[];
}

interface JsonRpcAnswer {
  jsonrpc: '2.0';
  id: unknown;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
}

interface Upstream {
  status: number;
  contentType: string;
  body: Buffer;
}

interface ActiveRule {
  methods: readonly string[] | '*';
  fault: RpcFault;
  remaining: number;
  /** Requests held open by a 'timeout' fault of this rule. */
  held: Set<ServerResponse>;
}

/** Faults a gateway applies to the whole HTTP request when any call in it matches. */
const WHOLE_REQUEST: ReadonlySet<RpcFault['kind']> = new Set(['status', 'timeout', 'reset', 'delay']);
const MINED_LOOKUPS: ReadonlySet<string> = new Set(['eth_getTransactionReceipt', 'eth_getTransactionByHash']);
/** Lagged methods that need the real head to decide what a node behind it would answer. */
const NEEDS_HEAD: ReadonlySet<string> = new Set([...MINED_LOOKUPS, 'eth_getBlockByNumber', 'eth_getTransactionCount']);

const toHex = (value: bigint): string => `0x${value.toString(16)}`;
const bump = (counts: Record<string, number>, method: string) => {
  counts[method] = (counts[method] ?? 0) + 1;
};

/**
 * A JSON-RPC proxy (HTTP) in front of a node that misbehaves per method on demand, as
 * providers do: HTTP 429/5xx, JSON-RPC errors inside a batch, hung or reset connections,
 * answers arriving after the client gave up, and a load-balanced second node lagging behind.
 * `upstream` may be a function because tests restart anvil on another port; an unreachable
 * upstream drops the client's connection, as a dead node would.
 */
export async function startRpcFaultProxy(upstream: string | (() => string)): Promise<RpcFaultProxy> {
  const upstreamUrl = typeof upstream === 'string' ? () => upstream : upstream;
  // A private agent, destroyed on close, so no keep-alive socket to the node outlives the proxy.
  const agent = new Agent({ keepAlive: true });
  let rules: ActiveRule[] = [];
  let seen: Record<string, number> = {};
  let named: Record<string, Array<string | null>> = {};
  let faulted: Record<string, number> = {};
  /** When the proxy first saw each transaction (lower-case hash) mined, for 'lag' with `ms`. */
  const firstSeenMined = new Map<string, number>();
  /** Pending 'delay' timers, each with the function that ends its wait (early, on close). */
  const delays = new Map<NodeJS.Timeout, () => void>();
  let closed = false;

  const post = (body: string): Promise<Upstream> =>
    new Promise((resolve, reject) => {
      const outgoing = httpRequest(upstreamUrl(), {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      });
      outgoing.on('error', reject);
      outgoing.on('response', (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('error', reject);
        answer.on('end', () =>
          resolve({
            status: answer.statusCode ?? 502,
            contentType: answer.headers['content-type'] ?? 'application/json',
            body: Buffer.concat(chunks),
          }),
        );
      });
      outgoing.end(body);
    });

  const realHead = async (): Promise<bigint> => {
    const answer = await post(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_blockNumber', params: [] }));
    const parsed = JSON.parse(answer.body.toString()) as JsonRpcAnswer;
    if (typeof parsed.result !== 'string') throw new Error(`upstream eth_blockNumber answered ${answer.body.toString()}`);
    return BigInt(parsed.result);
  };

  const releaseHeld = (rule: ActiveRule) => {
    for (const response of rule.held) response.socket?.destroy();
    rule.held.clear();
  };

  /** The rule each call gets (first injected that matches and has uses left), and the request-wide fault if any. */
  function plan(calls: readonly JsonRpcCall[]) {
    const matched = calls.map((call) =>
      rules.find((rule) => rule.remaining > 0 && (rule.methods === '*' || rule.methods.includes(call.method))),
    );
    const used = rules.filter((rule) => matched.includes(rule));
    const whole = used.find((rule) => WHOLE_REQUEST.has(rule.fault.kind));
    // A status, timeout or reset pre-empts every other rule; a delay lets the others act too.
    const effective = whole !== undefined && whole.fault.kind !== 'delay' ? [whole] : used;
    for (const rule of effective) rule.remaining--;
    return { matched, whole };
  }

  /**
   * Forwards the calls no rule answers itself (as one batch when the client sent a batch),
   * then merges everything back in the client's order with the client's ids. Returns the
   * upstream's answer untouched when it is not a JSON-RPC answer (an HTTP error page).
   * `mark` counts a call as faulted (a no-op when a delay already counted the whole request).
   */
  async function answer(
    batch: boolean,
    calls: readonly JsonRpcCall[],
    matched: ReadonlyArray<ActiveRule | undefined>,
    mark: (method: string) => void,
  ): Promise<Upstream> {
    const answers: Array<JsonRpcAnswer | undefined> = calls.map(() => undefined);
    const lagOf = (index: number) => {
      const fault = matched[index]?.fault;
      return fault?.kind === 'lag' ? { blocks: BigInt(fault.blocks ?? 0), ms: fault.ms } : undefined;
    };
    const needsHead = calls.some((call, index) => (lagOf(index)?.blocks ?? 0n) > 0n && NEEDS_HEAD.has(call.method));
    const head = needsHead ? await realHead() : 0n;

    const forwarded: Array<{ index: number; call: JsonRpcCall }> = [];
    calls.forEach((call, index) => {
      const fault = matched[index]?.fault;
      if (fault?.kind === 'rpc-error') {
        mark(call.method);
        answers[index] = {
          jsonrpc: '2.0',
          id: call.id,
          error: { code: fault.code ?? -32005, message: fault.message ?? 'rate limited: too many requests' },
        };
        return;
      }
      const blocks = lagOf(index)?.blocks ?? 0n;
      const lagged = blocks > 0n ? lagRequest(call, head - blocks) : { call };
      if ('answer' in lagged) {
        mark(call.method);
        answers[index] = { jsonrpc: '2.0', id: call.id, result: lagged.answer };
        return;
      }
      if (lagged.call !== call) mark(call.method);
      forwarded.push({ index, call: { ...lagged.call, jsonrpc: '2.0', id: forwarded.length } });
    });

    if (forwarded.length > 0) {
      const single = !batch && forwarded.length === 1;
      const reply = await post(JSON.stringify(single ? forwarded[0].call : forwarded.map(({ call }) => call)));
      const received = parseAnswers(reply);
      if (received === undefined || reply.status < 200 || reply.status >= 300) return reply;
      const byId = new Map(received.map((item) => [item.id, item]));
      for (const [position, { index }] of forwarded.entries()) {
        const call = calls[index];
        const got = byId.get(position) ?? {
          jsonrpc: '2.0',
          id: position,
          error: { code: -32603, message: 'the node left this call unanswered' },
        };
        noteMined(call, got);
        const lag = lagOf(index);
        const result = lag === undefined ? got.result : lagAnswer(call, got, head, lag);
        if (result !== got.result) mark(call.method);
        answers[index] = { ...got, id: call.id, ...(got.error === undefined ? { result } : {}) };
      }
    }
    const body = JSON.stringify(batch ? answers : answers[0]);
    return { status: 200, contentType: 'application/json', body: Buffer.from(body) };
  }

  /** Records when a transaction was first seen mined, whatever rule is active. */
  function noteMined(call: JsonRpcCall, got: JsonRpcAnswer) {
    if (!MINED_LOOKUPS.has(call.method) || !hasBlockNumber(got.result)) return;
    const hash = String(call.params?.[0]).toLowerCase();
    if (!firstSeenMined.has(hash)) firstSeenMined.set(hash, Date.now());
  }

  /** What a lagging node answers, from the real answer: null for a transaction it has not seen mined yet. */
  function lagAnswer(call: JsonRpcCall, got: JsonRpcAnswer, head: bigint, lag: { blocks: bigint; ms?: number }): unknown {
    if (call.method === 'eth_blockNumber' && typeof got.result === 'string' && lag.blocks > 0n) {
      const lagged = BigInt(got.result) - lag.blocks;
      return toHex(lagged < 0n ? 0n : lagged);
    }
    if (!MINED_LOOKUPS.has(call.method) || !hasBlockNumber(got.result)) return got.result;
    const firstSeen = firstSeenMined.get(String(call.params?.[0]).toLowerCase()) ?? Date.now();
    const tooRecentBlock = lag.blocks > 0n && BigInt(got.result.blockNumber) > head - lag.blocks;
    const tooRecentTime = lag.ms !== undefined && Date.now() - firstSeen < lag.ms;
    return tooRecentBlock || tooRecentTime ? null : got.result;
  }

  const server = createServer((request, response) => {
    handle(request, response).catch(() => request.socket.destroy());
  });
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString();
    const parsed = parseCalls(raw);
    if (parsed === undefined) return send(response, await post(raw));
    const { batch, calls } = parsed;
    for (const call of calls) {
      bump(seen, call.method);
      (named[call.method] ??= []).push(blockNamed(call));
    }
    const { matched, whole } = plan(calls);
    if (whole !== undefined) for (const call of calls) bump(faulted, call.method);

    switch (whole?.fault.kind) {
      case 'status': {
        const { status, body = `${status} injected fault` } = whole.fault;
        const contentType = isJson(body) ? 'application/json' : 'text/plain';
        response.writeHead(status, { 'content-type': contentType }).end(body);
        return;
      }
      case 'timeout':
        whole.held.add(response);
        response.on('close', () => whole.held.delete(response));
        return;
      case 'reset':
        request.socket.resetAndDestroy();
        return;
      case 'delay': {
        const { ms } = whole.fault;
        const late = new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            delays.delete(timer);
            resolve();
          }, ms);
          delays.set(timer, resolve);
        });
        const [reply] = await Promise.all([answer(batch, calls, matched, () => undefined), late]);
        return send(response, reply);
      }
      default:
        return send(response, await answer(batch, calls, matched, (method) => bump(faulted, method)));
    }
  }

  function send(response: ServerResponse, reply: Upstream) {
    if (closed || response.destroyed) return;
    response.writeHead(reply.status, { 'content-type': reply.contentType }).end(reply.body);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    inject: ({ methods, fault, times }) => {
      const rule: ActiveRule = { methods, fault, remaining: times ?? Number.POSITIVE_INFINITY, held: new Set() };
      rules.push(rule);
      return {
        clear: () => {
          rules = rules.filter((active) => active !== rule);
          releaseHeld(rule);
        },
      };
    },
    clearAll: () => {
      for (const rule of rules) releaseHeld(rule);
      rules = [];
    },
    calls: () => ({ ...seen }),
    blocksNamed: (method) => [...(named[method] ?? [])],
    faulted: () => ({ ...faulted }),
    resetCounts: () => {
      seen = {};
      named = {};
      faulted = {};
    },
    close: async () => {
      if (closed) return;
      closed = true;
      // Ends the waits too, so no handler is left pending; `send` answers nothing once closed.
      for (const [timer, end] of delays) {
        clearTimeout(timer);
        end();
      }
      delays.clear();
      for (const rule of rules) releaseHeld(rule);
      rules = [];
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      server.closeAllConnections();
      agent.destroy();
      await stopped;
    },
  };
}

/**
 * The request a node `lagged` blocks tall would serve: `call` rewritten to read at its head,
 * or the answer it gives without asking the real node (null for a block it does not have).
 */
function lagRequest(call: JsonRpcCall, lagged: bigint): { call: JsonRpcCall } | { answer: unknown } {
  const head = toHex(lagged < 0n ? 0n : lagged);
  const params = call.params ?? [];
  if (call.method === 'eth_getBlockByNumber') {
    const [tag, ...rest] = params;
    if (tag === 'latest' || tag === 'pending') return { call: { ...call, params: [head, ...rest] } };
    // A real node behind the head answers null for a block it has not received yet.
    if (typeof tag === 'string' && tag.startsWith('0x') && BigInt(tag) > lagged) return { answer: null };
  }
  if (call.method === 'eth_getTransactionCount' && (params[1] === undefined || params[1] === 'latest')) {
    return { call: { ...call, params: [params[0], head] } };
  }
  return { call };
}

function hasBlockNumber(result: unknown): result is { blockNumber: string } {
  return typeof result === 'object' && result !== null && typeof (result as { blockNumber?: unknown }).blockNumber === 'string';
}

/** A block tag or hex number in the call's parameters after the first (the request object), if any. */
function blockNamed(call: JsonRpcCall): string | null {
  const block = (call.params ?? [])
    .slice(1)
    .find((param) => typeof param === 'string' && /^(0x[0-9a-f]+|latest|pending|safe|finalized|earliest)$/i.test(param));
  return typeof block === 'string' ? block : null;
}

/** The calls of a JSON-RPC request, or undefined when the body is not one (then it is passed through as it is). */
function parseCalls(raw: string): { batch: boolean; calls: JsonRpcCall[] } | undefined {
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    return undefined;
  }
  const batch = Array.isArray(body);
  const calls: unknown[] = Array.isArray(body) ? body : [body];
  if (calls.length === 0 || !calls.every(isCall)) return undefined;
  return { batch, calls };
}

function isCall(value: unknown): value is JsonRpcCall {
  if (typeof value !== 'object' || value === null) return false;
  const { method, params } = value as { method?: unknown; params?: unknown };
  return typeof method === 'string' && (params === undefined || Array.isArray(params));
}

function parseAnswers(reply: Upstream): JsonRpcAnswer[] | undefined {
  try {
    const body: unknown = JSON.parse(reply.body.toString());
    const items: unknown[] = Array.isArray(body) ? body : [body];
    return items.every((item) => typeof item === 'object' && item !== null && 'id' in item) ? (items as JsonRpcAnswer[]) : undefined;
  } catch {
    return undefined;
  }
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

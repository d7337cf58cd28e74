/**
 * Last line of defence for text that leaves the process (logs, `error_logs`): strips
 * things shaped like secrets even when a library put them in an error message.
 */
type Rule = [RegExp, (match: string, ...groups: string[]) => string];

/** Secrets carried by URLs; nothing else is touched, so structured text keeps its hashes. */
const URL_RULES: Rule[] = [
  // Web URLs keep scheme://host[:port] and lose everything after: RPC providers put their
  // key in the path (Alchemy /v2/<key>, QuickNode /<key>/) or the query (?apikey=), Slack
  // its token in the path, and viem quotes the whole URL in its errors. The host is what an
  // operator needs to diagnose; a bare "/" says nothing and stays. Quotes and backslashes end
  // a URL, so a JSON-escaped string around one stays valid JSON.
  [
    /\b((?:https?|wss?):\/\/[^\s/?#"'`<>\\]+)([/?#][^\s"'`<>\\]*)/gi,
    (_match, origin, rest) => (rest === '/' ? `${origin}/` : `${origin}/[REDACTED]`),
  ],
  // Credentials inside URLs: postgres://user:pass@host, redis://:pass@host.
  [/(\b[a-z][a-z0-9+.-]*:\/\/)([^\s:/@"\\]*):([^\s@/"\\]+)@/gi, (_match, scheme, user) => `${scheme}${user}:[REDACTED]@`],
];

const TEXT_RULES: Rule[] = [
  // A private key is 32 bytes of hex, indistinguishable from a transaction hash: error text
  // loses its hashes rather than risk a key. Structured log fields keep theirs.
  [/\b(0x)?[0-9a-fA-F]{64}\b/g, () => '[REDACTED_HEX]'],
  // Named secrets: password=…, "apiKey": "…", private_key: ….
  [
    /\b(password|passwd|secret|api[_-]?key|private[_-]?key|token)(["']?\s*[:=]\s*["']?)[^\s"',;&]+/gi,
    (_match, name, separator) => `${name}${separator}[REDACTED]`,
  ],
  // Fernet keys (44 chars url-safe base64 ending in '=').
  [/\b[A-Za-z0-9_-]{43}=/g, () => '[REDACTED_KEY]'],
];

const apply = (rules: Rule[], text: string): string => rules.reduce((result, [pattern, replace]) => result.replace(pattern, replace), text);

/** Every rule: for free text such as error messages and stacks. */
export function redactSecrets(text: string): string {
  return apply(TEXT_RULES, apply(URL_RULES, text));
}

/**
 * The URL rules alone, safe on a whole serialised log line: a transaction hash in a
 * structured field stays, while a URL anywhere in it (a message, a nested error) loses
 * its path, query and password.
 */
export function redactUrls(text: string): string {
  return text.includes('://') ? apply(URL_RULES, text) : text;
}

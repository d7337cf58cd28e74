/**
 * Last line of defence for text that leaves the process (logs, `error_logs`): strips
 * things shaped like secrets even when a library put them in an error message.
 */
const PATTERNS: Array<[RegExp, string]> = [
  // A private key is 32 bytes of hex, indistinguishable from a transaction hash: error text
  // loses its hashes rather than risk a key. Structured log fields keep theirs.
  [/\b(0x)?[0-9a-fA-F]{64}\b/g, '[REDACTED_HEX]'],
  // Credentials inside URLs: postgres://user:pass@host, redis://:pass@host.
  [/(\b[a-z][a-z0-9+.-]*:\/\/)([^\s:/@]*):([^\s@/]+)@/gi, '$1$2:[REDACTED]@'],
  // Named secrets: password=…, "apiKey": "…", private_key: ….
  [/\b(password|passwd|secret|api[_-]?key|private[_-]?key|token)(["']?\s*[:=]\s*["']?)[^\s"',;&]+/gi, '$1$2[REDACTED]'],
  // Fernet keys (44 chars url-safe base64 ending in '=').
  [/\b[A-Za-z0-9_-]{43}=/g, '[REDACTED_KEY]'],
];

export function redactSecrets(text: string): string {
  return PATTERNS.reduce((result, [pattern, replacement]) => result.replace(pattern, replacement), text);
}

/** A configuration the service refuses to start with. The message names variables, never values. */
export class ConfigError extends Error {
  constructor(readonly problems: ReadonlyMap<string, string>) {
    super(
      `Invalid configuration (${problems.size} problem${problems.size === 1 ? '' : 's'}):\n` +
        [...problems].map(([name, problem]) => `  - ${name}: ${problem}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}

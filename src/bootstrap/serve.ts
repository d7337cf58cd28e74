import { Logger } from '@nestjs/common';

import { createApp } from '../app.factory';
import type { AppConfig } from '../config';
import { servesApi } from './process-role';

/** Serves HTTP until `shutdown` is called; closing drains Nest's lifecycle hooks in order. */
export async function serve(config: AppConfig): Promise<{ shutdown(): Promise<void> }> {
  const app = await createApp(config);
  await app.listen(config.port, '0.0.0.0');
  const docs = config.http.apiDocsEnabled && servesApi(config.processRole) ? '; API docs at /docs' : '';
  new Logger('Bootstrap').log(
    `HAVEN backend listening on :${config.port} (${config.environment}, PROCESS_ROLE=${config.processRole})${docs}`,
  );
  return { shutdown: () => app.close() };
}

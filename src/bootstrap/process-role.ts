import { Injectable } from '@nestjs/common';

import type { ProcessRoleName } from '../config/app-config';
import { AppConfigService } from '../config/app-config.service';

/**
 * Whether an instance in `role` serves the client and admin API (and `/docs`). A `worker`
 * answers only `/health…` and `/metrics`: probes and scrapes need it, partners must not reach it.
 */
export const servesApi = (role: ProcessRoleName): boolean => role !== 'worker';

/** Whether an instance in `role` runs the background loops (sending, confirming, delivering, monitoring). */
export const runsBackgroundWork = (role: ProcessRoleName): boolean => role !== 'api';

/**
 * The one place that decides whether this process runs background work (`PROCESS_ROLE`).
 * Every loop starts through `startBackgroundWork` in `onApplicationBootstrap`, so an `api`
 * instance starts none and the list of what runs here is known (`backgroundWork`).
 *
 * An `api` instance still stores requests, raises alerts and owes callbacks: they wait in
 * the database, where any `worker` (or `all`) instance picks them up on its next poll.
 */
@Injectable()
export class ProcessRole {
  readonly name: ProcessRoleName;
  private readonly started: string[] = [];

  constructor(config: AppConfigService) {
    this.name = config.get('processRole');
  }

  get runsBackgroundWork(): boolean {
    return runsBackgroundWork(this.name);
  }

  /** Calls `start` when this role runs background work, and remembers `name` as running here. */
  startBackgroundWork(name: string, start: () => void): void {
    if (!this.runsBackgroundWork) return;
    this.started.push(name);
    start();
  }

  /** The background loops started in this process, in start order; empty on an `api` instance. */
  get backgroundWork(): readonly string[] {
    return [...this.started];
  }
}

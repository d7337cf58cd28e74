import { alertChannelsCheck } from './checks/alert-channels.check';
import { smtpCheck, webhookChecks } from './checks/alerting.checks';
import { contractCheck, rpcCheck } from './checks/chain.checks';
import { databaseCheck } from './checks/database.check';
import { redisCheck } from './checks/redis.check';
import { signerGasCheck, signerRolesCheck } from './checks/signer.checks';
import type { PreflightCheck } from './preflight.check';
import type { PreflightResources } from './preflight.resources';

// `require`, not `import()`: a native dynamic import would bypass the TypeScript loader `npm run
// preflight` runs under. Loaded only when used: Nest, the mailer and the AWS SDK take seconds
// to load, which every run (and every test of it) would otherwise pay.
/* eslint-disable @typescript-eslint/no-require-imports -- loaded only when needed, and through the TypeScript loader */
const loadKmsCheck = () => (require('./checks/kms.check') as typeof import('./checks/kms.check')).kmsCheck;
const loadTestAlertCheck = () => (require('./checks/test-alert.check') as typeof import('./checks/test-alert.check')).testAlertCheck;
/* eslint-enable @typescript-eslint/no-require-imports */

export interface PreflightOptions {
  /** Also send a `system_test` alert to every configured target. */
  sendTestAlert: boolean;
}

/**
 * What the seed's Pre-Launch Verification asks of an environment, in table order. Features
 * that are off (e-mail, webhooks, KMS) are not probed; the `alert channels` row says so.
 */
export function preflightChecks(resources: PreflightResources, options: PreflightOptions): PreflightCheck[] {
  const { alerting, security } = resources.config;
  return [
    databaseCheck(resources),
    redisCheck(resources.config),
    rpcCheck(resources),
    contractCheck(resources),
    signerRolesCheck(resources),
    signerGasCheck(resources),
    alertChannelsCheck(resources.config),
    ...(alerting.email.enabled ? [smtpCheck(alerting)] : []),
    ...(alerting.webhook.enabled ? webhookChecks(alerting) : []),
    ...(security.kms.enabled ? [loadKmsCheck()(security.kms)] : []),
    ...(options.sendTestAlert ? [loadTestAlertCheck()(resources.config)] : []),
  ];
}

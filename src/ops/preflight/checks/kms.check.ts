import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';

import type { AppConfig } from '../../../config/app-config';
import { type CheckRow, fail, pass, type PreflightCheck, warn } from '../preflight.check';
import { errorDetail } from '../preflight.runner';

const KMS_PROBE_TIMEOUT_MS = 4_000;

/**
 * KMS answers for KMS_KEY_ID, and the key is enabled. Region and endpoint as the custody
 * module's client has them. A role allowed only GenerateDataKey/Decrypt (least privilege)
 * gets AccessDenied here: KMS was reached, so that is a warning.
 */
export function kmsCheck(kms: AppConfig['security']['kms']): PreflightCheck {
  return {
    name: 'kms',
    async run(): Promise<CheckRow> {
      const client = new KMSClient({
        region: kms.region ?? 'us-east-1',
        endpoint: kms.endpoint,
        maxAttempts: 1,
        requestHandler: { requestTimeout: KMS_PROBE_TIMEOUT_MS, connectionTimeout: KMS_PROBE_TIMEOUT_MS },
      });
      try {
        const { KeyMetadata } = await client.send(new DescribeKeyCommand({ KeyId: kms.keyId }));
        const state = KeyMetadata?.KeyState ?? 'unknown';
        if (state !== 'Enabled') return fail('kms', `KMS_KEY_ID is ${state}, not Enabled`);
        return pass('kms', `KMS_KEY_ID enabled (${KeyMetadata?.KeySpec ?? 'key'}, ${KeyMetadata?.KeyUsage ?? 'usage unknown'})`);
      } catch (error) {
        const name = (error as { name?: unknown }).name;
        if (name === 'AccessDeniedException') return warn('kms', 'reachable, but DescribeKey is not allowed for this role');
        return fail('kms', errorDetail(error));
      } finally {
        client.destroy();
      }
    },
  };
}

import type { AppConfig } from '../../../config/app-config';
import { type CheckRow, fail, pass, type PreflightCheck, warn } from '../preflight.check';

/**
 * Alerts reach someone. With neither e-mail nor webhooks enabled they are only logged: fine on
 * a laptop, a failure in production, where nobody would hear of a stuck pipeline or an empty
 * hot wallet.
 */
export function alertChannelsCheck(config: AppConfig): PreflightCheck {
  const { alerting, environment } = config;
  return {
    name: 'alert channels',
    async run(): Promise<CheckRow> {
      const enabled = [alerting.email.enabled && 'email', alerting.webhook.enabled && 'webhooks'].filter(Boolean);
      if (enabled.length > 0) return pass('alert channels', `${enabled.join(' and ')} enabled`);
      const detail = 'ALERT_EMAIL_ENABLED and ALERT_WEBHOOK_ENABLED both off: alerts are only logged';
      return environment === 'production' ? fail('alert channels', detail) : warn('alert channels', detail);
    },
  };
}

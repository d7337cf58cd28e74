import type { MailerOptions } from '@nestjs-modules/mailer';

import type { AppConfig } from '../../config/app-config';

/** Every SMTP wait is bounded: a silent server must not hold a delivery (or shutdown) for nodemailer's two-minute default. */
const SMTP_TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 };

/**
 * The mailer for alert e-mails, from configuration. Port 465 speaks TLS from the start; other
 * ports upgrade with STARTTLS when the server offers it. With e-mail disabled nothing is ever
 * routed to it, but the mailer still needs a transport to start: a JSON one that sends nothing.
 */
export function mailerOptions(email: AppConfig['alerting']['email']): MailerOptions {
  const { host, port, user, password } = email.smtp;
  if (!email.enabled || host === undefined) return { transport: { jsonTransport: true } };
  return {
    transport: {
      host,
      port,
      secure: port === 465,
      auth: user === undefined || password === undefined ? undefined : { user, pass: password },
      ...SMTP_TIMEOUTS,
    },
  };
}

import { connect } from 'node:net';

import { createTransport } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';

import { destinationOf, everyTarget } from '../../../alerting/delivery/alert-routing';
import { mailerOptions } from '../../../alerting/delivery/mailer.options';
import type { AppConfig } from '../../../config/app-config';
import { type CheckRow, fail, pass, type PreflightCheck } from '../preflight.check';
import { errorDetail } from '../preflight.runner';

/** Shorter than the runner's bound, so a silent server gets nodemailer's own reason rather than a bare timeout. */
const SMTP_PROBE_TIMEOUT_MS = 4_000;
const TCP_PROBE_TIMEOUT_MS = 4_000;

/**
 * The SMTP server takes a connection, and the login when SMTP_USER is set, with the very
 * transport options the service mails alerts with; nothing is sent. The detail names the
 * host and port (operators need them; they are not secret) and a failure's code only.
 */
export function smtpCheck(alerting: AppConfig['alerting']): PreflightCheck {
  const { host, port } = alerting.email.smtp;
  return {
    name: 'smtp',
    async run(): Promise<CheckRow> {
      const transport = mailerOptions(alerting.email).transport as SMTPTransport.Options;
      const transporter = createTransport({
        ...transport,
        connectionTimeout: SMTP_PROBE_TIMEOUT_MS,
        greetingTimeout: SMTP_PROBE_TIMEOUT_MS,
        socketTimeout: SMTP_PROBE_TIMEOUT_MS,
      });
      try {
        await transporter.verify();
        return pass('smtp', `${host}:${port} accepted ${transport.auth === undefined ? 'the connection' : 'the login'}`);
      } catch (error) {
        return fail('smtp', `${host}:${port} unreachable or refused: ${smtpFailure(error)}`);
      } finally {
        transporter.close();
      }
    },
  };
}

/**
 * A server's reply by its code only, as the alert sender reports it (replies may quote
 * addresses and configuration); a network failure in the socket's own words ("connect
 * ECONNREFUSED …"). The sender's module is not imported for this: it loads the whole mailer.
 */
function smtpFailure(error: unknown): string {
  const { responseCode } = error as { responseCode?: unknown };
  return typeof responseCode === 'number' ? `SMTP ${responseCode}` : errorDetail(error);
}

/**
 * Each alert webhook's host takes a TCP connection on its port. Nothing is posted (a test
 * alert would page someone); rows name targets by label (`slack#1`), since Slack and others
 * keep their key in the URL.
 */
export function webhookChecks(alerting: AppConfig['alerting']): PreflightCheck[] {
  return everyTarget(alerting)
    .filter(({ channel }) => channel !== 'email')
    .map(({ target }) => {
      const name = `webhook ${target}`;
      return {
        name,
        async run(): Promise<CheckRow> {
          const destination = destinationOf(target, alerting);
          if (destination === null || destination.channel === 'email') return fail(name, 'target not configured');
          const url = new URL(destination.url);
          const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
          try {
            const elapsedMs = await tcpConnect(url.hostname, port);
            return pass(name, `host accepted a TCP connection on port ${port} (${elapsedMs} ms); nothing posted`);
          } catch (error) {
            return fail(name, `host unreachable on port ${port}: ${errorDetail(error)}`);
          }
        },
      };
    });
}

function tcpConnect(host: string, port: number): Promise<number> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, timeout: TCP_PROBE_TIMEOUT_MS });
    socket.once('connect', () => {
      socket.destroy();
      resolve(Date.now() - started);
    });
    socket.once('timeout', () => {
      socket.destroy();
      reject(new Error(`no TCP answer within ${TCP_PROBE_TIMEOUT_MS / 1000} s`));
    });
    socket.once('error', (error) => reject(error));
  });
}

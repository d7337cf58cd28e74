import type { AddressInfo } from 'node:net';

import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

import { waitUntil } from './recording-receiver';

export interface TestSmtpServer {
  host: string;
  port: number;
  /** Every message accepted, parsed (subject, html, text, headers), in arrival order. */
  readonly messages: ParsedMail[];
  /** Resolves once `check` holds for the messages received; checked after every message. */
  until<T>(check: (messages: ParsedMail[]) => T | undefined | false, timeoutMs?: number): Promise<T>;
  /** Stops listening (connections refused) but keeps the port for `resume`. */
  pause(): Promise<void>;
  resume(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A real SMTP server on loopback (npm `smtp-server`, the server half of nodemailer), accepting
 * mail from the service's own nodemailer transport. With `auth`, it requires those credentials
 * (over plain SMTP: loopback carries no TLS certificate).
 */
export async function startSmtpServer({ auth }: { auth?: { user: string; password: string } } = {}): Promise<TestSmtpServer> {
  const messages: ParsedMail[] = [];
  const waiters = new Set<() => void>();
  let server: SMTPServer | undefined;
  let port = 0;

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server = new SMTPServer({
        disabledCommands: auth === undefined ? ['STARTTLS', 'AUTH'] : ['STARTTLS'],
        authOptional: auth === undefined,
        allowInsecureAuth: true,
        logger: false,
        // An outage cuts open sessions at once rather than letting them finish.
        closeTimeout: 100,
        onAuth(credentials, _session, callback) {
          if (auth !== undefined && credentials.username === auth.user && credentials.password === auth.password) {
            return callback(null, { user: auth.user });
          }
          callback(new Error('Invalid username or password'));
        },
        onData(stream, _session, callback) {
          simpleParser(stream)
            .then((mail) => {
              messages.push(mail);
              callback();
              for (const wake of [...waiters]) wake();
            })
            .catch((error: Error) => callback(error));
        },
      });
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        port = (server!.server.address() as AddressInfo).port;
        resolve();
      });
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (server === undefined || !server.server.listening) return resolve();
      server.close(() => resolve());
    });

  await listen();
  return {
    host: '127.0.0.1',
    get port() {
      return port;
    },
    messages,
    until: (check, timeoutMs = 30_000) =>
      waitUntil(
        () => check(messages),
        waiters,
        timeoutMs,
        () => `${messages.length} messages`,
      ),
    pause: stop,
    resume: listen,
    close: stop,
  };
}

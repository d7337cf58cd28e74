/**
 * `npm run keys:generate`: the seed's two key one-liners, without Python.
 *   python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"
 *   python -c "import secrets; print(secrets.token_urlsafe(32))"
 * Prints them as environment lines; put them in a secrets manager, not in a file in git.
 */
import { randomBytes } from 'node:crypto';

import { FernetKey } from '../src/custody/crypto/fernet';

/** `secrets.token_urlsafe(32)`: 32 random bytes, url-safe base64 without padding. */
const apiKey = (): string => randomBytes(32).toString('base64url');

process.stdout.write(`WALLET_ENCRYPTION_KEY=${FernetKey.generate()}\nADMIN_API_KEY=${apiKey()}\nAPI_KEY=${apiKey()}\n`);

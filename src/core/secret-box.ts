/**
 * AES-256-GCM encryption of stored API keys. The 256-bit key is derived from `KEY_ENCRYPTION_SECRET` with
 * scrypt, so a short operator secret still yields a key that is slow to brute-force; each value gets a fresh
 * 96-bit nonce, and the GCM tag makes tampering (or the wrong secret) fail loudly instead of decrypting junk.
 */
import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';

/** A sealed value as stored: all fields base64. `v` allows changing the scheme later. */
export interface SealedSecret {
  v: 1;
  iv: string;
  tag: string;
  data: string;
}

/** Thrown when a value cannot be opened with this secret (wrong secret, or tampered data). */
export class SecretBoxError extends Error {
  override readonly name = 'SecretBoxError';
}

/** Seals and opens secrets under one operator secret. */
export interface SecretBox {
  seal(plaintext: string): SealedSecret;
  open(sealed: SealedSecret): string;
}

/**
 * The current secret plus, during a rotation, the previous one (`KEY_ENCRYPTION_SECRET_PREVIOUS`): seals
 * with the current secret, opens with either, and says when a value should be sealed again.
 */
export interface Keyring extends SecretBox {
  openForRotation(sealed: SealedSecret): { plaintext: string; stale: boolean };
}

// A fixed, public salt: the derived key must be the same on every start and every instance.
const SALT = 'skidio-bot/workspace-keys/v1';

/** Builds a box from the operator's secret. */
export function createSecretBox(secret: string): SecretBox {
  const key = scryptSync(secret, SALT, 32);
  return {
    seal(plaintext) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return {
        v: 1,
        iv: iv.toString('base64'),
        tag: cipher.getAuthTag().toString('base64'),
        data: data.toString('base64'),
      };
    },
    open(sealed) {
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64'));
        decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
        return Buffer.concat([
          decipher.update(Buffer.from(sealed.data, 'base64')),
          decipher.final(),
        ]).toString('utf8');
      } catch (error) {
        throw new SecretBoxError('a stored key could not be decrypted with KEY_ENCRYPTION_SECRET', {
          cause: error,
        });
      }
    },
  };
}

/** Builds a keyring from the current secret and, optionally, the previous one. */
export function createKeyring(currentSecret: string, previousSecret?: string): Keyring {
  const current = createSecretBox(currentSecret);
  const previous = previousSecret ? createSecretBox(previousSecret) : undefined;
  const openForRotation = (sealed: SealedSecret) => {
    try {
      return { plaintext: current.open(sealed), stale: false };
    } catch (error) {
      if (!previous) throw error;
      return { plaintext: previous.open(sealed), stale: true };
    }
  };
  return {
    seal: (plaintext) => current.seal(plaintext),
    open: (sealed) => openForRotation(sealed).plaintext,
    openForRotation,
  };
}

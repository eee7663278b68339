/**
 * Checks that an HTTP interaction comes from Discord: an Ed25519 signature (`X-Signature-Ed25519`) over
 * `X-Signature-Timestamp` + the raw body, made with the application's key, whose public half is
 * `DISCORD_PUBLIC_KEY`. https://discord.com/developers/docs/interactions/overview#setting-up-an-endpoint-validating-security-request-headers
 * Discord's own check says nothing of the timestamp's age; a signed request replayed later would pass it, so
 * a timestamp more than 5 minutes from the bot's clock is refused too (as Slack does for its requests).
 */
import { createPublicKey, type KeyObject, verify } from 'node:crypto';

/** How far a request's timestamp may be from the bot's clock, either way. */
export const MAX_SIGNATURE_AGE_MS = 5 * 60_000;

/** `SubjectPublicKeyInfo` DER header of an Ed25519 key (RFC 8410): what precedes the 32 raw key bytes. */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** Why a request was refused; `undefined` when it is Discord's. */
export type SignatureProblem = 'missing signature' | 'bad signature' | 'stale timestamp';

/** The headers that carry the signature, as Node lower-cases them. */
export interface SignatureHeaders {
  signature: string | undefined;
  timestamp: string | undefined;
}

/** Checks requests against one application's public key (64 hex characters). */
export function createSignatureCheck(publicKeyHex: string, now: () => number) {
  const key: KeyObject = createPublicKey({
    key: Buffer.concat([ED25519_SPKI_PREFIX, Buffer.from(publicKeyHex, 'hex')]),
    format: 'der',
    type: 'spki',
  });
  return (headers: SignatureHeaders, rawBody: Buffer): SignatureProblem | undefined => {
    const { signature, timestamp } = headers;
    if (!signature || !timestamp) return 'missing signature';
    // An Ed25519 signature is 64 bytes; anything else (or non-hex) cannot be one.
    if (!/^[0-9a-f]{128}$/i.test(signature)) return 'bad signature';
    const signed = Buffer.concat([Buffer.from(timestamp, 'utf8'), rawBody]);
    if (!verify(null, signed, key, Buffer.from(signature, 'hex'))) return 'bad signature';
    // Checked after the signature: the timestamp is only worth reading once it is known to be Discord's.
    const seconds = Number(timestamp);
    if (!Number.isFinite(seconds) || Math.abs(now() - seconds * 1000) > MAX_SIGNATURE_AGE_MS) {
      return 'stale timestamp';
    }
    return undefined;
  };
}

/** A request check built by `createSignatureCheck`. */
export type SignatureCheck = ReturnType<typeof createSignatureCheck>;

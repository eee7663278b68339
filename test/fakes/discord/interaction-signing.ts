/**
 * Discord's side of HTTP interactions: the application's Ed25519 key pair (Discord holds the private half and
 * the bot is given the public one, `DISCORD_PUBLIC_KEY`), and signed POSTs to the bot's endpoint, signed as
 * Discord signs them: `X-Signature-Ed25519` over `X-Signature-Timestamp` + the raw body.
 */
import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';

/** An application key pair; `publicKeyHex` is what the Developer Portal shows as the Public Key. */
export interface InteractionKeys {
  publicKeyHex: string;
  privateKey: KeyObject;
}

/** A new key pair. The raw public key is the last 32 bytes of its SPKI DER encoding. */
export function createInteractionKeys(): InteractionKeys {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const der = publicKey.export({ format: 'der', type: 'spki' });
  return { publicKeyHex: der.subarray(der.length - 32).toString('hex'), privateKey };
}

/** What a test may change about the signing: another timestamp (seconds), headers replaced or left out. */
export interface HttpSigning {
  /** Unix seconds; default now. */
  timestamp?: number;
  /** Replaces (or with `undefined`, removes) a header after signing. */
  headers?: Record<string, string | undefined>;
  /** Signs with another key (a forger's). */
  keys?: InteractionKeys;
}

/** The signature headers for `body` sent at `timestamp`. */
export function signatureHeaders(
  keys: InteractionKeys,
  body: string,
  timestamp: number,
): Record<string, string> {
  const signature = sign(null, Buffer.from(`${timestamp}${body}`), keys.privateKey).toString('hex');
  return { 'x-signature-ed25519': signature, 'x-signature-timestamp': String(timestamp) };
}

/** The bot's answer to one POST. */
export interface HttpAnswer {
  status: number;
  contentType: string;
  body: Buffer;
  /** The body parsed, when it is JSON. */
  json?: unknown;
}

/** POSTs `body` to the bot's interactions endpoint, signed with `keys` unless `signing` says otherwise. */
export async function postSignedInteraction(
  url: string,
  keys: InteractionKeys,
  body: string,
  signing: HttpSigning = {},
): Promise<HttpAnswer> {
  const timestamp = signing.timestamp ?? Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'Discord-Interactions/1.0 (+https://discord.com)',
    ...signatureHeaders(signing.keys ?? keys, body, timestamp),
  };
  for (const [name, value] of Object.entries(signing.headers ?? {})) {
    if (value === undefined) delete headers[name];
    else headers[name] = value;
  }
  const response = await fetch(url, { method: 'POST', headers, body });
  const bytes = Buffer.from(await response.arrayBuffer());
  const contentType = response.headers.get('content-type') ?? '';
  const answer: HttpAnswer = { status: response.status, contentType, body: bytes };
  if (contentType.startsWith('application/json') && bytes.length > 0)
    answer.json = JSON.parse(bytes.toString());
  return answer;
}

/**
 * The raw upload step against the fake Slack's upload URL: the bytes arrive as sent, failures that may pass are
 * retried by the Web API client's policy, the others are not, and no error carries the upload URL.
 */
import { webApi } from '@slack/bolt';
import { afterEach, describe, expect, it } from 'vitest';
import { postUploadBytes, SlackUploadError } from '../../../src/adapters/slack/upload-bytes.js';
import { type FakeSlack, startFakeSlack, UPLOAD_URL } from '../../fakes/slack/index.js';

const FAST_RETRY: webApi.RetryOptions = { retries: 3, factor: 1, minTimeout: 1, maxTimeout: 1 };
const fakes: FakeSlack[] = [];

afterEach(async () => {
  for (const fake of fakes.splice(0)) await fake.close();
});

async function announcedUpload(length: number): Promise<{ fake: FakeSlack; url: string; fileId: string }> {
  const fake = await startFakeSlack();
  fakes.push(fake);
  const client = new webApi.WebClient(fake.botToken, {
    slackApiUrl: fake.apiUrl,
    retryConfig: { retries: 0 },
  });
  const announced = await client.files.getUploadURLExternal({ filename: 'a.png', length });
  return { fake, url: announced.upload_url ?? '', fileId: announced.file_id ?? '' };
}

describe('postUploadBytes', () => {
  it('posts the bytes raw, as they are', async () => {
    const bytes = new Uint8Array(Array.from({ length: 70_000 }, (_, index) => index % 251));
    const { fake, url, fileId } = await announcedUpload(bytes.length);
    await postUploadBytes(url, bytes, FAST_RETRY);
    const upload = await fake.waitForUpload(fileId);
    expect(upload.bytes.equals(Buffer.from(bytes))).toBe(true);
    expect(fake.uploads).toHaveLength(1);
  });

  it('retries a 5xx and a 429, and the bytes arrive once', async () => {
    const { fake, url, fileId } = await announcedUpload(3);
    fake.failNext(UPLOAD_URL, { status: 503 });
    fake.failNext(UPLOAD_URL, { status: 429 });
    await postUploadBytes(url, new Uint8Array([1, 2, 3]), FAST_RETRY);
    expect((await fake.waitForUpload(fileId)).bytes).toEqual(Buffer.from([1, 2, 3]));
    expect(fake.uploads).toHaveLength(1);
  });

  it('gives up after the policy’s retries, and does not retry a refusal', async () => {
    const { fake, url } = await announcedUpload(3);
    fake.failNext(UPLOAD_URL, { status: 500 }, 4);
    const lasting = await postUploadBytes(url, new Uint8Array([1, 2, 3]), FAST_RETRY).catch((error) => error);
    expect(lasting).toBeInstanceOf(SlackUploadError);
    expect(lasting).toMatchObject({ status: 500 });

    fake.failNext(UPLOAD_URL, { status: 400 }, 1);
    fake.failNext(UPLOAD_URL, { status: 500 }, 1);
    const refused = await postUploadBytes(url, new Uint8Array([1, 2, 3]), FAST_RETRY).catch((error) => error);
    expect(refused).toMatchObject({ status: 400 });
    // The 500 queued after the refusal is still there: the refusal was not retried.
    await expect(postUploadBytes(url, new Uint8Array([1, 2, 3]), { retries: 0 })).rejects.toMatchObject({
      status: 500,
    });
    expect(fake.uploads).toHaveLength(0);
    for (const error of [lasting, refused]) expect(String(error.message)).not.toContain(url);
  });

  it('says the upload URL could not be reached, without the URL, when nothing answers', async () => {
    const { fake, url } = await announcedUpload(3);
    await fake.close();
    fakes.length = 0;
    const error = await postUploadBytes(url, new Uint8Array([1, 2, 3]), FAST_RETRY).catch((caught) => caught);
    expect(error).toBeInstanceOf(SlackUploadError);
    expect(error).toMatchObject({ status: undefined });
    expect(String(error.message)).not.toContain(url);
  });
});

import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { BodyTooLargeError, readCapped } from '../../src/core/http-body.js';

const body = (...chunks: string[]) => Readable.from(chunks.map((chunk) => Buffer.from(chunk)));

describe('readCapped', () => {
  it.each([
    ['no declared length', undefined],
    ['the exact declared length', 9],
    ['a declared length that is too short', 4],
    ['a declared length that is too long', 20],
  ])('reads every byte with %s', async (_label, declared) => {
    expect((await readCapped(body('abc', 'def', 'ghi'), 100, declared)).toString()).toBe('abcdefghi');
  });

  it.each([undefined, 9, 4])('stops at the cap (declared %s)', async (declared) => {
    await expect(readCapped(body('abc', 'def', 'ghi'), 5, declared)).rejects.toBeInstanceOf(
      BodyTooLargeError,
    );
  });
});

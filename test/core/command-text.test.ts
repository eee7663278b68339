import { describe, expect, it } from 'vitest';
import { commands } from '../../commands/index.js';
import { parseCommandText } from '../../src/core/command-text.js';
import { validateOptions } from '../../src/core/dispatch.js';
import { BadInputError } from '../../src/core/errors.js';

const parse = (text: string) => {
  const parsed = parseCommandText(text, commands);
  return { path: parsed.command.path.join(' '), options: parsed.options };
};

describe('command text grammar', () => {
  it.each([
    ['/skidio status abc-123', 'status', { job_id: 'abc-123' }],
    ['status abc-123 private', 'status', { job_id: 'abc-123', private: true }],
    ['  STATUS   abc-123   PRIVATE ', 'status', { job_id: 'abc-123', private: true }],
    ['key set sk-1234567890', 'key set', { key: 'sk-1234567890' }],
    ['key set', 'key set', {}],
    ['key show', 'key show', {}],
    ['key clear', 'key clear', {}],
    ['help', 'help', {}],
    ['', 'help', {}],
    ['/skidio', 'help', {}],
  ])('%j → %s', (text, path, options) => {
    expect(parse(text)).toEqual({ path, options });
  });

  it.each([
    ['an unknown word', 'frobnicate', /I don't know that command/],
    ['a group without a command', 'key', /I don't know that command/],
    ['a missing job id', 'status', /needs a job_id/],
    ['extra words', 'status a b', /Too many words/],
    ['a 5,000-character line', 'x'.repeat(5000), /too long/],
  ])('refuses %s with the usage', (_label, text, message) => {
    expect(() => parseCommandText(text, commands)).toThrow(BadInputError);
    expect(() => parseCommandText(text, commands)).toThrow(message);
  });

  it('validates a job id and never echoes an invalid one', () => {
    const status = commands.find((command) => command.path[0] === 'status');
    if (!status) throw new Error('status command missing');
    expect(validateOptions(status, { job_id: ' job.1:a_b-c ' })).toEqual({
      job_id: 'job.1:a_b-c',
      private: false,
    });
    for (const bad of ['<@everyone>', 'a'.repeat(129), 'my job 1', 'jöb', '../x/y', '']) {
      let message = '';
      try {
        validateOptions(status, { job_id: bad });
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).not.toBe('');
      if (bad !== '') expect(message).not.toContain(bad);
    }
  });
});

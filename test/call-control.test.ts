import { describe, expect, test } from 'vitest';
import { withDeadline } from '../src/call-control.js';

const later = <T>(ms: number, value: T) => new Promise<T>((r) => setTimeout(() => r(value), ms));

describe('withDeadline', () => {
  test('passes the result through when nothing fires', async () => {
    await expect(withDeadline(later(5, 'ok'), { timeoutMs: 500 })).resolves.toBe('ok');
  });

  test('TIMEOUT after timeoutMs, or the substitute when one is offered', async () => {
    await expect(withDeadline(later(200, 'slow'), { timeoutMs: 10 })).rejects.toMatchObject({ code: 'TIMEOUT', details: { timeoutMs: 10 } });
    await expect(withDeadline(later(200, 'slow'), { timeoutMs: 10 }, () => 'stale')).resolves.toBe('stale');
    await expect(withDeadline(later(200, 'slow'), { timeoutMs: 10 }, () => undefined)).rejects.toMatchObject({ code: 'TIMEOUT' });
  });

  test('ABORTED when the signal fires, with its reason; already-aborted rejects at once', async () => {
    const c = new AbortController();
    const p = withDeadline(later(200, 'slow'), { signal: c.signal });
    c.abort('user left');
    await expect(p).rejects.toMatchObject({ code: 'ABORTED', message: expect.stringContaining('user left') });
    await expect(withDeadline(later(200, 'x'), { signal: c.signal })).rejects.toMatchObject({ code: 'ABORTED' });
  });

  test('work errors pass through unchanged', async () => {
    const boom = new Error('boom');
    await expect(withDeadline(Promise.reject(boom), { timeoutMs: 100 })).rejects.toBe(boom);
  });
});

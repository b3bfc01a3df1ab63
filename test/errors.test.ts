import { describe, expect, it } from 'vitest';
import { ClassifierError, describeError, isClassifierError } from '../src/errors.js';

describe('ClassifierError', () => {
  it('keeps code, message, details and cause', () => {
    const cause = new Error('root cause');
    const err = new ClassifierError('MANIFEST_INVALID', 'bad manifest', { cause, details: { field: 'input.size' } });
    expect(err).toBeInstanceOf(Error);
    expect(err).toBeInstanceOf(ClassifierError);
    expect(err.name).toBe('ClassifierError');
    expect(err.code).toBe('MANIFEST_INVALID');
    expect(err.message).toBe('bad manifest');
    expect(err.details).toEqual({ field: 'input.size' });
    expect(err.cause).toBe(cause);
    expect(err.isClassifierError).toBe(true);
    expect(String(err)).toBe('ClassifierError: bad manifest');
  });

  it('defaults to empty details and no cause property', () => {
    const err = new ClassifierError('TIMEOUT', 'too slow');
    expect(err.details).toEqual({});
    expect(err.cause).toBeUndefined();
    expect('cause' in err).toBe(false);
  });

  it('keeps a falsy but defined cause', () => {
    const err = new ClassifierError('DECODE_FAILED', 'x', { cause: 0 });
    expect('cause' in err).toBe(true);
    expect(err.cause).toBe(0);
  });
});

describe('isClassifierError', () => {
  it('is true for instances', () => {
    expect(isClassifierError(new ClassifierError('DISPOSED', 'gone'))).toBe(true);
  });

  it('is true for a plain object with the name and a code (cross-realm / worker hop)', () => {
    expect(isClassifierError({ name: 'ClassifierError', code: 'DISPOSED', message: '' })).toBe(true);
  });

  it('is false for other errors and values', () => {
    expect(isClassifierError(new Error('x'))).toBe(false);
    expect(isClassifierError(new TypeError('x'))).toBe(false);
    expect(isClassifierError(Object.assign(new Error('x'), { code: 'DISPOSED' }))).toBe(false);
    expect(isClassifierError({ name: 'ClassifierError' })).toBe(false); // no code
    expect(isClassifierError({ name: 'ClassifierError', code: 5 })).toBe(false);
    expect(isClassifierError(null)).toBe(false);
    expect(isClassifierError(undefined)).toBe(false);
    expect(isClassifierError('ClassifierError')).toBe(false);
  });

  it('filters by code', () => {
    const err = new ClassifierError('ABORTED', 'stop');
    expect(isClassifierError(err, 'ABORTED')).toBe(true);
    expect(isClassifierError(err, 'TIMEOUT')).toBe(false);
    const plain = { name: 'ClassifierError', code: 'DISPOSED', message: '' };
    expect(isClassifierError(plain, 'DISPOSED')).toBe(true);
    expect(isClassifierError(plain, 'NO_BACKEND')).toBe(false);
    expect(isClassifierError(new Error('x'), 'DISPOSED')).toBe(false);
  });
});

describe('describeError', () => {
  it('uses an Error message, else String()', () => {
    expect(describeError(new RangeError('out of range'))).toBe('out of range');
    expect(describeError('plain text')).toBe('plain text');
    expect(describeError(42)).toBe('42');
  });
});

describe('createClassifier outside a browser (Node, SSR)', () => {
  it('rejects UNSUPPORTED_ENVIRONMENT (not NO_BACKEND), with details.environment, from every entry point', async () => {
    for (const entry of [await import('../src/index.js'), await import('../src/onnx.js'), await import('../src/tfjs.js')]) {
      const error = await entry.createClassifier().then(() => null, (e: unknown) => e);
      expect(isClassifierError(error, 'UNSUPPORTED_ENVIRONMENT')).toBe(true);
      expect((error as ClassifierError).details).toEqual({ environment: 'server' });
    }
  });
});

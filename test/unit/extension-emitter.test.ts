import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Emitter } from '../../src/extension/util/emitter';
import type { Disposable } from '../../src/extension/util/disposables';

test('Emitter: listeners get events until disposed; a throwing listener does not starve the others', () => {
  const emitter = new Emitter<number>();
  const seen: number[] = [];
  const bag: Disposable[] = [];
  const original = console.error;
  console.error = () => {};
  try {
    emitter.event(() => {
      throw new Error('broken panel');
    });
    const subscription = emitter.event((n) => seen.push(n), undefined, bag);
    assert.equal(bag.length, 1, 'subscription added to the disposables array, as vscode.Event does');
    emitter.fire(1);
    subscription.dispose();
    emitter.fire(2);
  } finally {
    console.error = original;
  }
  assert.deepEqual(seen, [1]);
  const context = { total: 0 };
  emitter.event(function (this: typeof context, n) {
    this.total += n;
  }, context);
  emitter.fire(5);
  assert.equal(context.total, 5, 'thisArgs is honoured');
  emitter.dispose();
  emitter.fire(7);
  assert.equal(context.total, 5);
  emitter.event(() => assert.fail('no listener after dispose')).dispose();
});

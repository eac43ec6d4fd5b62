/** The one disposable-owner pattern of src/extension (util/disposables.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DisposableOwner, DisposableSlot, DisposableStore, toDisposable, type Disposable } from '../../src/extension/util/disposables';

function tracked(name: string, order: string[]): Disposable {
  return { dispose: () => void order.push(name) };
}

test('DisposableStore disposes in reverse order, once, and disposes late additions at once', () => {
  const order: string[] = [];
  const store = new DisposableStore();
  store.add(tracked('a', order));
  store.addAll(tracked('b', order), tracked('c', order));
  store.dispose();
  store.dispose();
  assert.deepEqual(order, ['c', 'b', 'a']);
  assert.equal(store.isDisposed, true);
  store.add(tracked('late', order));
  assert.deepEqual(order, ['c', 'b', 'a', 'late']);
});

test('DisposableStore: delete disposes one item now and never again; a throwing item does not keep the others alive', () => {
  const order: string[] = [];
  const store = new DisposableStore();
  const a = store.add(tracked('a', order));
  store.add({
    dispose: () => {
      throw new Error('broken');
    },
  });
  store.add(tracked('c', order));
  store.delete(a);
  assert.deepEqual(order, ['a']);
  store.delete(a);
  const original = console.error;
  const errors: unknown[] = [];
  console.error = (...args: unknown[]) => void errors.push(args);
  try {
    store.dispose();
  } finally {
    console.error = original;
  }
  assert.deepEqual(order, ['a', 'c'], 'a is not disposed twice; c is disposed although the item before it threw');
  assert.equal(errors.length, 1);
});

test('toDisposable runs its function once', () => {
  let calls = 0;
  const d = toDisposable(() => calls++);
  d.dispose();
  d.dispose();
  assert.equal(calls, 1);
});

test('DisposableSlot disposes the value it replaces, and its value when disposed; a value set afterwards is disposed at once', () => {
  const order: string[] = [];
  const slot = new DisposableSlot();
  const first = tracked('first', order);
  slot.value = first;
  slot.value = first;
  assert.deepEqual(order, [], 'setting the same value again disposes nothing');
  slot.value = tracked('second', order);
  assert.deepEqual(order, ['first']);
  slot.dispose();
  assert.deepEqual(order, ['first', 'second']);
  assert.equal(slot.value, undefined);
  slot.value = tracked('late', order);
  assert.deepEqual(order, ['first', 'second', 'late']);
  assert.equal(slot.value, undefined);
});

test('DisposableOwner: what a subclass owns goes with it, in reverse order; disown disposes one resource early', () => {
  const order: string[] = [];
  class Holder extends DisposableOwner {
    readonly channel = this.own(tracked('channel', order));
    constructor() {
      super();
      this.ownAll(tracked('subscription 1', order), tracked('subscription 2', order));
    }
    closeChannel(): void {
      this.disown(this.channel);
    }
    get gone(): boolean {
      return this.isDisposed;
    }
  }
  const holder = new Holder();
  holder.closeChannel();
  assert.deepEqual(order, ['channel']);
  assert.equal(holder.gone, false);
  holder.dispose();
  assert.deepEqual(order, ['channel', 'subscription 2', 'subscription 1']);
  assert.equal(holder.gone, true);
});

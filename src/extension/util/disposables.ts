/**
 * Who disposes what: every disposable resource of the extension (a subscription, a watcher, a channel,
 * a timer) is added to exactly one owner — a DisposableStore, a DisposableOwner's store, or a
 * DisposableSlot — and is disposed with it. No `vscode` import: the run manager core uses it too, and
 * the shapes match `vscode.Disposable`.
 */
export interface Disposable {
  dispose(): void;
}

/** A disposable that runs `dispose` once (clearing a timer, disposing a set of panels). */
export function toDisposable(dispose: () => void): Disposable {
  let done = false;
  return {
    dispose() {
      if (done) return;
      done = true;
      dispose();
    },
  };
}

function disposeQuietly(item: Disposable): void {
  try {
    item.dispose();
  } catch (error) {
    // One failing resource must not keep the others alive.
    console.error('MTL Lab: dispose failed', error);
  }
}

/** Owns a set of disposables and disposes them in reverse order of registration. */
export class DisposableStore implements Disposable {
  private items: Disposable[] = [];
  private disposed = false;

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** Takes ownership of `item` (disposing it at once when the store is already disposed) and returns it. */
  add<T extends Disposable>(item: T): T {
    if (this.disposed) disposeQuietly(item);
    else this.items.push(item);
    return item;
  }

  addAll(...items: Disposable[]): void {
    for (const item of items) this.add(item);
  }

  /** Disposes one owned item now and forgets it (a run's log channel when the run is deleted). */
  delete(item: Disposable): void {
    const index = this.items.indexOf(item);
    if (index < 0) return;
    this.items.splice(index, 1);
    disposeQuietly(item);
  }

  dispose(): void {
    this.disposed = true;
    const items = this.items.reverse();
    this.items = [];
    for (const item of items) disposeQuietly(item);
  }
}

/**
 * Holds at most one disposable and disposes the previous one when replaced (the file watcher of the
 * current glob, the watchers of the current runs directories).
 */
export class DisposableSlot<T extends Disposable = Disposable> implements Disposable {
  private current: T | undefined;
  private disposed = false;

  get value(): T | undefined {
    return this.current;
  }

  set value(next: T | undefined) {
    if (next === this.current) return;
    const previous = this.current;
    this.current = this.disposed ? undefined : next;
    if (previous) disposeQuietly(previous);
    if (this.disposed && next) disposeQuietly(next);
  }

  dispose(): void {
    this.disposed = true;
    this.value = undefined;
  }
}

/** Base of the classes that hold disposables: what they `own` is disposed with them, in reverse order. */
export abstract class DisposableOwner implements Disposable {
  private readonly owned = new DisposableStore();

  protected own<T extends Disposable>(item: T): T {
    return this.owned.add(item);
  }

  protected ownAll(...items: Disposable[]): void {
    this.owned.addAll(...items);
  }

  /** Disposes one owned resource before the owner goes. */
  protected disown(item: Disposable): void {
    this.owned.delete(item);
  }

  protected get isDisposed(): boolean {
    return this.owned.isDisposed;
  }

  dispose(): void {
    this.owned.dispose();
  }
}

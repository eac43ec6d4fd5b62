/**
 * A minimal event emitter whose `event` has the same shape as `vscode.Event<T>`, so the run manager
 * core (which must not import `vscode`, to be unit-tested under plain Node) can expose events that the
 * VS Code side hands straight to `DashboardDataSource` and tree providers.
 */
import type { Disposable } from './disposables';

export type Event<T> = (listener: (e: T) => unknown, thisArgs?: unknown, disposables?: Disposable[]) => Disposable;

export class Emitter<T> implements Disposable {
  private listeners = new Set<(e: T) => unknown>();
  private disposed = false;

  readonly event: Event<T> = (listener, thisArgs, disposables) => {
    const bound = thisArgs === undefined ? listener : listener.bind(thisArgs);
    if (this.disposed) return { dispose() {} };
    this.listeners.add(bound);
    const subscription = { dispose: () => void this.listeners.delete(bound) };
    disposables?.push(subscription);
    return subscription;
  };

  fire(value: T): void {
    // A throwing listener must not starve the others (one broken panel must not stop the tree).
    for (const listener of [...this.listeners]) {
      try {
        listener(value);
      } catch (error) {
        console.error('MTL Lab: event listener failed', error);
      }
    }
  }

  dispose(): void {
    this.disposed = true;
    this.listeners.clear();
  }
}

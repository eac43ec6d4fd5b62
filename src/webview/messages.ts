/**
 * Messages from the host: validated (a hostile page script or a stale host cannot crash the dashboard),
 * notices shown, data messages applied to the model in order and handed to the view.
 */
import { describeInvalidMessage, parseHostMessage, type InitMessage, type WebviewToHost } from './protocol';
import type { Changes, DashboardModel } from './model';

export interface MessageTarget {
  readonly model: DashboardModel;
  post(message: WebviewToHost): void;
  notice(level: string, message: string): void;
  /** An `init` was applied (before its changes are drawn). */
  initialised(message: InitMessage): void;
  applyChanges(changes: Changes): void;
}

/** Invalid messages are logged this many times only, so a flood of junk cannot flood the host's log either. */
const MAX_INVALID_LOGGED = 5;

export function listenToHost(target: MessageTarget): void {
  let invalidLogged = 0;
  window.addEventListener('message', (event: MessageEvent) => {
    const message = parseHostMessage(event.data);
    if (message === undefined) {
      if (invalidLogged++ < MAX_INVALID_LOGGED) target.post({ type: 'log', level: 'warning', message: `ignored an invalid message: ${describeInvalidMessage('host', event.data).slice(0, 300)}` });
      return;
    }
    if (message.type === 'notice') {
      target.notice(message.level, message.message);
      return;
    }
    if (message.type !== 'init' && !target.model.initialised) return;
    let changes: Changes;
    try {
      changes = target.model.apply(message);
    } catch (error) {
      target.post({ type: 'log', level: 'error', message: `could not apply ${message.type}: ${String(error)}` });
      return;
    }
    if (message.type === 'init') target.initialised(message);
    target.applyChanges(changes);
  });
}

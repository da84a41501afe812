import type { ServerCapabilities } from '@modelcontextprotocol/client';
import type { BackendEventMap, ListChangedKind } from '../backend-connection.js';
import type { BackendSession } from './backend-session.js';
import type { TypedEmitter } from './typed-emitter.js';

/**
 * Turns the backend's notifications on `session` into connection events. A retired session's
 * notifications are dropped: its successor speaks for the backend now.
 */
export function forwardNotifications(
  session: BackendSession,
  backend: string,
  events: TypedEmitter<BackendEventMap>,
): void {
  const { client } = session;
  const listChanged = (kind: ListChangedKind) => () => {
    if (!session.retired) events.emit('list_changed', { backend, kind });
  };
  client.setNotificationHandler('notifications/tools/list_changed', listChanged('tools'));
  client.setNotificationHandler('notifications/resources/list_changed', listChanged('resources'));
  client.setNotificationHandler('notifications/prompts/list_changed', listChanged('prompts'));
  client.setNotificationHandler('notifications/resources/updated', (notification) => {
    if (!session.retired) events.emit('resource_updated', { backend, uri: notification.params.uri });
  });
  client.setNotificationHandler('notifications/message', (notification) => {
    if (session.retired) return;
    const { level, logger, data } = notification.params;
    events.emit('log', { backend, level, ...(logger === undefined ? {} : { logger }), data });
  });
}

/** After a restart the backend's catalog may differ: tell listeners to re-list what it offers. */
export function announceCatalogChange(
  capabilities: ServerCapabilities | undefined,
  backend: string,
  events: TypedEmitter<BackendEventMap>,
): void {
  for (const kind of ['tools', 'resources', 'prompts'] as const) {
    if (capabilities?.[kind]) events.emit('list_changed', { backend, kind });
  }
}

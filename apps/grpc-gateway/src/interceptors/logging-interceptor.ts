import type { Logger } from 'pino';
import { describeFailure } from '../error-status.js';
import type { Interceptor } from './call-context.js';

/**
 * One log line per finished call: method, tool, status, duration (and the error when it failed). The
 * level is checked on `logger` (the root logger; per-call children share its level) first, so a call
 * that logs nothing never builds its child logger or the line's fields.
 */
export function createLoggingInterceptor(logger: Logger): Interceptor {
  return async (context, next) => {
    const started = performance.now();
    try {
      await next();
      if (!logger.isLevelEnabled('info')) return;
      context.logger.info(
        { tool: context.tool, backend: context.backend, code: 'OK', durationMs: elapsed(started) },
        'call finished',
      );
    } catch (error) {
      const failure = describeFailure(error);
      const level = failure.category === 'internal' ? 'error' : 'info';
      if (logger.isLevelEnabled(level)) {
        context.logger[level](
          {
            tool: context.tool,
            backend: context.backend,
            code: failure.code,
            category: failure.category,
            durationMs: elapsed(started),
            ...(level === 'error' ? { err: error } : { reason: failure.message }),
          },
          'call failed',
        );
      }
      throw error;
    }
  };
}

const elapsed = (started: number) => Math.round((performance.now() - started) * 1000) / 1000;

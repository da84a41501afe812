import { describeFailure } from '../error-status.js';
import type { Interceptor } from './call-context.js';

/** One log line per finished call: method, tool, status, duration (and the error when it failed). */
export const loggingInterceptor: Interceptor = async (context, next) => {
  const started = performance.now();
  try {
    await next();
    context.logger.info(
      { tool: context.tool, backend: context.backend, code: 'OK', durationMs: elapsed(started) },
      'call finished',
    );
  } catch (error) {
    const failure = describeFailure(error);
    const level = failure.category === 'internal' ? 'error' : 'info';
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
    throw error;
  }
};

const elapsed = (started: number) => Math.round((performance.now() - started) * 1000) / 1000;

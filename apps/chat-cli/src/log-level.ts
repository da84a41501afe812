// No SDK import here: cli-args.ts (the --help path) reads the levels.

/** MCP's logging levels (RFC 5424 severities), least severe first. */
export const logLevels = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'] as const;
export type LogLevel = (typeof logLevels)[number];

/** `--log-level` when it is not given: what a person wants to see without asking for more. */
export const DEFAULT_LOG_LEVEL: LogLevel = 'warning';

/** The level's rank (0 = debug); -1 for a name that is not a level. */
export const logLevelRank = (level: string): number => logLevels.indexOf(level as LogLevel);

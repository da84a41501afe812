// Every export here is public API; named exports only.
export { type BuildAppOptions, buildApp } from './app.js';
export { type AppConfig, loadConfig, redactConfig } from './config.js';
export { HttpMcpServerError, type HttpMcpServerErrorCode } from './http-mcp-server-error.js';
export { createLogger } from './logger.js';
export { SERVED_PROTOCOL_VERSIONS, SESSION_PROTOCOL_VERSIONS } from './mcp/shared/server-factory.js';

// `@mcs/transports/stdio-prestart`: start stdio backends' processes before the MCP client is loaded
// (see transports/stdio-spawn.ts). Node built-ins only: importing this loads nothing else.
export {
  prestartedStdioProcessCount,
  prestartStdioProcess,
  type StdioProcessSpec,
  stdioEnvironment,
  stopUnclaimedStdioProcesses,
} from './transports/stdio-spawn.js';

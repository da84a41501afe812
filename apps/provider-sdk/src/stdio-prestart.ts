// `@mcs/provider-sdk/stdio-prestart`: start the stdio MCP servers of a pool before the pool (and the
// MCP client) is even imported; the pool's stdio transport takes a process started for exactly the
// command, arguments, environment and cwd it would spawn. Node built-ins only. See
// @mcs/transports/stdio-prestart.
export {
  prestartedStdioProcessCount,
  prestartStdioProcess,
  type StdioProcessSpec,
  stdioEnvironment,
  stopUnclaimedStdioProcesses,
} from '@mcs/transports/stdio-prestart';

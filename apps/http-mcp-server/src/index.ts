// Every export here is public API; named exports only.
export const packageName = "@mcs/http-mcp-server";

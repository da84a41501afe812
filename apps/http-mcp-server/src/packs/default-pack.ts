import type { ToolPack } from '../pack-framework/tool-pack.js';
import { echoTool } from '../tools/echo.js';
import { loginTool } from '../tools/login.js';
import { logoutTool } from '../tools/logout.js';
import { serviceTool } from '../tools/service.js';
import { timeTool } from '../tools/time.js';
import { whoamiTool } from '../tools/whoami.js';

/** The tools every deployment serves. */
export const defaultPack: ToolPack = {
  name: 'default',
  description: 'echo, time, whoami, the generic upstream tool service, and login/logout for the upstream',
  tools: [echoTool, timeTool, whoamiTool, serviceTool, loginTool, logoutTool],
  resources: [],
  prompts: [],
  capabilities: { tools: { listChanged: true } },
};

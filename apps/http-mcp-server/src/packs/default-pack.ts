import { echoTool } from '../tools/echo.js';
import { serviceTool } from '../tools/service.js';
import { timeTool } from '../tools/time.js';
import { whoamiTool } from '../tools/whoami.js';
import type { ToolPack } from './tool-pack.js';

/** The tools every deployment serves. */
export const defaultPack: ToolPack = {
  name: 'default',
  description: 'echo, time, whoami and the generic upstream tool service',
  tools: [echoTool, timeTool, whoamiTool, serviceTool],
  resources: [],
  prompts: [],
  capabilities: { tools: { listChanged: true } },
};

import { describe, expect, it } from 'vitest';
import { redactConfig } from './redact-config.js';

describe('redactConfig', () => {
  it('hides keys, tokens, header and env values, and keeps the rest', () => {
    const config = {
      model: 'gpt',
      apiKey: 'sk-secret',
      maxSteps: 8,
      mcp: {
        backends: {
          web: { transport: 'http', url: 'https://x/mcp', headers: { 'X-Team': 'a' }, bearerToken: 't' },
          local: { transport: 'stdio', command: 'node', args: ['server.js'], env: { GITHUB_PAT: 'p' } },
        },
      },
    };
    expect(redactConfig(config)).toEqual({
      model: 'gpt',
      apiKey: '[redacted]',
      maxSteps: 8,
      mcp: {
        backends: {
          web: {
            transport: 'http',
            url: 'https://x/mcp',
            headers: { 'X-Team': '[redacted]' },
            bearerToken: '[redacted]',
          },
          local: { transport: 'stdio', command: 'node', args: ['server.js'], env: { GITHUB_PAT: '[redacted]' } },
        },
      },
    });
    expect(JSON.stringify(redactConfig(config))).not.toMatch(/sk-secret|"t"|"p"/);
  });
});

// The pool's skills extension (SEP-2640) against a real server: the official SDK's SkillsExtension
// over stdio (fixtures/skills-server.mjs) beside one without the extension (catalog-server.mjs).
// Listing reads no skill file; a skill is loaded on demand and every file is verified against its
// entry (the tampered-content refusals are the conformance suite's sep-2640-client-verify-* scenarios).
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMcpClientPool, type McpClientPool, type PoolSkill, ProviderError } from '../src/index.js';
import { fastSupervision } from './fixtures/backends.js';

const stdio = (file: string) => ({
  transport: 'stdio' as const,
  command: process.execPath,
  args: [fileURLToPath(new URL(`./fixtures/${file}`, import.meta.url))],
  supervision: fastSupervision,
});

describe('skills (SEP-2640)', () => {
  let pool: McpClientPool;
  let skill: PoolSkill;

  beforeAll(async () => {
    pool = createMcpClientPool({
      backends: { skills: stdio('skills-server.mjs'), catalog: stdio('catalog-server.mjs') },
    });
    const { failed } = await pool.connect();
    expect(failed).toEqual([]);
  }, 30_000);

  afterAll(() => pool?.close());

  const readCount = async () => {
    const [part] = (await pool.callTool('skills.read-count')).parts;
    return part?.type === 'text' ? Number(part.text) : Number.NaN;
  };

  it('lists the skills of the backend that offers them, reading no file; the other lists none', async () => {
    const { skills, unavailable } = await pool.listSkills();
    expect(unavailable).toEqual([]);
    expect(skills).toHaveLength(1);
    skill = skills[0]!;
    expect(skill).toMatchObject({
      backend: 'skills',
      uri: 'skill://pdf-processing/SKILL.md',
      frontmatter: { name: 'pdf-processing', description: 'Extract, fill, and assemble PDF documents' },
    });
    const files = Array.isArray(skill.resources) ? skill.resources : [];
    expect(files.map((entry) => entry.uri).sort()).toEqual([
      'skill://pdf-processing/SKILL.md',
      'skill://pdf-processing/references/FORMS.md',
    ]);
    expect(await readCount()).toBe(0);
  });

  it('loads a skill on demand: SKILL.md verified, its frontmatter and body; then a file it lists', async () => {
    const manifest = await pool.readSkill(skill);
    expect(manifest).toMatchObject({
      backend: 'skills',
      uri: 'skill://pdf-processing/SKILL.md',
      verified: true,
      frontmatter: { name: 'pdf-processing', description: 'Extract, fill, and assemble PDF documents' },
      body: 'Use references/FORMS.md for forms.\n',
    });
    const forms = await pool.readSkill(skill, 'references/FORMS.md');
    expect(forms).toMatchObject({ verified: true, text: 'How to fill a form.\n' });
    expect(await readCount()).toBe(2);
  });

  it('refuses a file the skill does not list, before asking the backend', async () => {
    const error = await pool.readSkill(skill, 'references/SECRETS.md').catch((caught: unknown) => caught);
    expect(ProviderError.isInstance(error)).toBe(true);
    expect((error as ProviderError).message).toMatch(/failed verification \(unlisted\) and was not loaded/);
    expect(await readCount()).toBe(2);
  });

  it('a skill of an unknown backend is UNKNOWN_BACKEND', async () => {
    await expect(pool.readSkill({ ...skill, backend: 'nope' })).rejects.toMatchObject({ code: 'UNKNOWN_BACKEND' });
  });
});

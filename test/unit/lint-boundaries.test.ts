import { ESLint } from 'eslint';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The rule ids ESLint reports for `code` placed at `path` in the repository. */
async function violations(eslint: ESLint, path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${ROOT}${path}` });
  return (result?.messages ?? []).map((m) => m.ruleId ?? m.message);
}

describe('the import boundaries of ARCHITECTURE.md are lint rules', () => {
  let eslint: ESLint;
  beforeAll(() => {
    eslint = new ESLint({ cwd: ROOT });
  });

  it.each([
    ['src/domain/x.ts', "import type { Database } from '../store/schema.js';\nexport type X = Database;\n"],
    ['src/domain/x.ts', "import { loadConfig } from '../config.js';\nexport const x = loadConfig;\n"],
    ['src/domain/x.ts', "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n"],
    ['src/services/x.ts', "import { startListener } from '../http/server.js';\nexport const x = startListener;\n"],
    ['src/services/x.ts', "import { contextFrom } from '../cli/context.js';\nexport const x = contextFrom;\n"],
    ['src/store/x.ts', "import { ingestBatch } from '../services/ingest.js';\nexport const x = ingestBatch;\n"],
    [
      'src/platforms/tiktok-shop/x.ts',
      "import type { Database } from '../../store/schema.js';\nexport type X = Database;\n",
    ],
    ['src/cli/commands/x.ts', "export const x = () => import('../../http/server.js');\n"],
  ])('%s: %s fails', async (path, code) => {
    const rules = await violations(eslint, path, code);
    expect(rules.some((r) => r === '@typescript-eslint/no-restricted-imports' || r === 'no-restricted-syntax')).toBe(
      true,
    );
  });

  it('only src/config.ts reads process.env', async () => {
    expect(await violations(eslint, 'src/services/x.ts', 'export const url = process.env.DATABASE_URL;\n')).toContain(
      'no-restricted-properties',
    );
    expect(await violations(eslint, 'src/config.ts', 'export const url = process.env.DATABASE_URL;\n')).toEqual([]);
  });

  it('imports that point inward pass', async () => {
    const code =
      "import { ingestBatch } from '../services/ingest.js';\nimport type { Money } from '../domain/money.js';\nexport const x = [ingestBatch, {} as Money];\n";
    expect(await violations(eslint, 'src/http/x.ts', code)).toEqual([]);
    expect(
      await violations(
        eslint,
        'src/domain/x.ts',
        "import { parseMoney } from './money.js';\nexport const x = parseMoney;\n",
      ),
    ).toEqual([]);
  });
});

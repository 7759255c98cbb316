/**
 * README.md as a user meets it. hiper is installed as the README says (packedInstall, plus the packages
 * the README's examples add); every js block and every `npx hiper` block is run as it is, inside a fresh
 * network namespace next to the servers the README names (readme-runner.ts), and what it prints is
 * compared with the text block that follows it. The README's npm commands are compared with the ones
 * the tests perform, so a changed instruction fails here until the tests follow it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { needs } from '../../helpers/needs.js';
import { asUserTypesIt, installInProject, packedInstall, REPO, type PackedInstall } from '../../helpers/packed.js';
import { extractBlocks, outputMismatch, roleOf, type Block, type ShellCommand } from '../../helpers/readme.js';
import type { RunnerPlan, SnippetRun } from '../../helpers/readme-runner.js';

const RUNNER = fileURLToPath(new URL('../../helpers/readme-runner.js', import.meta.url));
const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string; engines: { node: string }; scripts: Record<string, string> };
const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
const blocks = extractBlocks(readme);
const roles = blocks.map((b, i) => roleOf(b, blocks[i - 1]));
const runnable = blocks.filter((_, i) => ['esm', 'cjs', 'hiper-commands'].includes(roles[i]!.kind));

/** What the README's examples add to the project besides hiper (the undici examples need undici 7, which runs on Node 20). */
const PROJECT_PACKAGES = ['undici@7'];
/** Hard limit for one snippet; each ends in well under a second when it works. */
const SNIPPET_LIMIT_MS = 15_000;

const title = (b: Block): string => `${b.section}, block ${b.n}`;
const outputOf = (b: Block): Block | undefined => (roles[b.n]?.kind === 'output' ? blocks[b.n] : undefined);

let consumer: PackedInstall | undefined;
/** The consumer project with hiper and the README's packages, made once for both suites below. */
function consumerProject(): PackedInstall {
  if (!consumer) {
    const p = packedInstall();
    installInProject(p, PROJECT_PACKAGES);
    consumer = p;
  }
  return consumer;
}

/** A tarball path as the README writes it (/path/to/hiper-0.1.0.tgz) and as the test has it: its file name. */
const normalized = (words: string[]): string[] => words.map((w) => (w.endsWith('.tgz') ? basename(w) : w));
/** The README says the install works with --ignore-scripts too; the tests take that stricter form. */
const withoutIgnoreScripts = (words: string[]): string => words.filter((w) => w !== '--ignore-scripts').join(' ');

function isPerformed(c: ShellCommand, p: PackedInstall): boolean {
  const said = withoutIgnoreScripts(normalized(c.words));
  const performed = (where: 'checkout' | 'project') =>
    p.steps.filter((s) => s.where === where).map((s) => withoutIgnoreScripts(normalized(['npm', ...asUserTypesIt(s)])));
  if (c.place === 'your project') return performed('project').includes(said);
  if (c.place === 'a checkout of hiper') {
    const [, script, name] = c.words;
    // `npm install` in the checkout is what the tests start from (npm test runs after it).
    if (said === 'npm install' || performed('checkout').includes(said)) return true;
    if (c.words.length === 2 && ['start', 'test'].includes(script!)) return script! in pkg.scripts;
    return c.words.length === 3 && script === 'run' && name! in pkg.scripts;
  }
  return false;
}

describe('README.md', function () {
  this.timeout(240_000);

  it('has only runnable blocks, commands and their output (js, sh, text)', () => {
    const invalid = blocks.flatMap((b, i) => { const r = roles[i]!; return r.kind === 'invalid' ? [`${title(b)} (line ${b.line}): ${r.why}`] : []; });
    assert.deepEqual(invalid, []);
    assert.ok(runnable.length >= 10, `only ${runnable.length} runnable blocks`);
  });

  it('states the Node.js version that package.json engines requires', () => {
    const min = /^>=(\d+\.\d+)\.0$/.exec(pkg.engines.node)?.[1];
    assert.ok(min, `engines.node is ${pkg.engines.node}`);
    assert.match(readme, new RegExp(`Node\\.js >= ${min.replace('.', '\\.')} on Linux`));
  });

  describe('npm commands, against the ones the tests perform', () => {
    before(function () {
      needs(this, process.platform === 'linux', `hiper is packed and installed on Linux only (this is ${process.platform})`);
      consumerProject();
    });

    blocks.forEach((b, i) => {
      const role = roles[i]!;
      if (role.kind !== 'npm-commands') return;
      it(`${title(b)}: every command is one the tests perform, in the place it names`, () => {
        const p = consumerProject();
        const unknown = role.commands.filter((c) => !isPerformed(c, p)).map((c) => `${c.words.join(' ')} (in ${c.place ?? 'no place: say "# in your project" or "# in a checkout of hiper"'})`);
        assert.deepEqual(unknown, [], `performed: ${p.steps.map((s) => `${s.where}: npm ${s.args.join(' ')}`).join('; ')}`);
      });
    });

    it('tells every install the tests perform in the project', () => {
      const said = roles.flatMap((r) => (r.kind === 'npm-commands' ? r.commands : []))
        .filter((c) => c.place === 'your project').map((c) => withoutIgnoreScripts(normalized(c.words)));
      const missing = consumerProject().steps.filter((s) => s.where === 'project')
        .map((s) => withoutIgnoreScripts(normalized(['npm', ...asUserTypesIt(s)]))).filter((s) => !said.includes(s));
      assert.deepEqual(missing, []);
    });
  });

  describe('snippets, run in a fresh network namespace against the servers the README names', () => {
    const results = new Map<number, SnippetRun>();

    before(function () {
      const probe = spawnSync('unshare', ['-rn', 'ip', 'link', 'set', 'lo', 'up'], { encoding: 'utf8' });
      needs(this, probe.status === 0, `network namespaces are unavailable: unshare -rn failed (${(probe.error?.message ?? probe.stderr).trim()})`);
      const { project } = consumerProject();
      const dir = join(project, 'readme');
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir);
      const plan: RunnerPlan = { cwd: project, timeoutMs: SNIPPET_LIMIT_MS, snippets: [] };
      for (const b of runnable) {
        const kind = roles[b.n - 1]!.kind;
        const file = join(dir, `block-${String(b.n).padStart(2, '0')}.${kind === 'esm' ? 'mjs' : kind === 'cjs' ? 'cjs' : 'sh'}`);
        writeFileSync(file, b.code + '\n');
        plan.snippets.push({ name: String(b.n), argv: kind === 'hiper-commands' ? ['sh', '-e', file] : [process.execPath, file] });
      }
      const scratch = mkdtempSync(join(tmpdir(), 'hiper-readme-'));
      try {
        const planPath = join(scratch, 'plan.json');
        writeFileSync(planPath, JSON.stringify(plan));
        const r = spawnSync('unshare', ['-rn', process.execPath, RUNNER, planPath], {
          encoding: 'utf8', maxBuffer: 64 << 20, timeout: (runnable.length + 2) * SNIPPET_LIMIT_MS,
        });
        assert.equal(r.status, 0, `readme-runner failed (${r.status ?? r.signal}):\n${r.stderr}`);
        for (const run of JSON.parse(r.stdout) as SnippetRun[]) results.set(Number(run.name), run);
      } finally {
        rmSync(scratch, { recursive: true, force: true });
      }
    });

    for (const b of runnable) {
      const expected = outputOf(b);
      it(`${title(b)}: ${roles[b.n - 1]!.kind === 'hiper-commands' ? 'the commands succeed' : 'the program exits 0 by itself'}${expected ? ' and prints what the README shows' : ''}`, () => {
        const run = results.get(b.n);
        assert.ok(run, 'the runner did not report this block');
        const shown = `\n--- stdout\n${run.stdout}--- stderr\n${run.stderr}`;
        assert.equal(run.timedOut, false, `still running after ${SNIPPET_LIMIT_MS} ms: something it opened was not closed${shown}`);
        assert.equal(run.code, 0, `exit ${run.code ?? run.signal}${shown}`);
        // A warning in a user's first program is a fault too.
        if (roles[b.n - 1]!.kind !== 'hiper-commands') assert.equal(run.stderr, '', `wrote to stderr${shown}`);
        if (expected) {
          const mismatch = outputMismatch(expected.code, run.stdout);
          assert.equal(mismatch, undefined, `${mismatch}${shown}`);
        }
      });
    }
  });
});

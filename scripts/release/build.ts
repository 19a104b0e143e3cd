// Builds the exported source as the host does: npm ci, the product's TypeScript, the dashboard, the core.
import { run } from './run.js';

export function buildSource(dir: string, commit: string, log: (line: string) => void): void {
  const env = { ...process.env, NODE_ENV: 'development' };
  log('npm ci');
  run('npm', ['ci', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, env });
  log('tsc -p tsconfig.product.json, the dashboard');
  run('npx', ['tsc', '-p', 'tsconfig.product.json'], { cwd: dir, env });
  run('npx', ['tsc', '-p', 'dashboard/tsconfig.json'], { cwd: dir, env });
  run('node', ['scripts/bundle-dashboard.ts'], { cwd: dir, env });
  // The export has no .git: the revision the host's make reads from git is given to it.
  log('make -C native build/re4_dump build/manifest.json');
  run('make', ['-C', 'native', `GIT_REV=${commit.slice(0, 12)}`, 'build/re4_dump', 'build/manifest.json'], { cwd: dir, env });
}

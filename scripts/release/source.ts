// What a release is built from: one git commit, exported clean (git archive) so that local edits and
// untracked files never reach it; or, with --allow-dirty, the working tree as it is (not reproducible).
import { mkdirSync } from 'node:fs';
import { run } from './run.js';

export interface Source {
  commit: string;
  sourceDateEpoch: number; // the commit's time: every timestamp of the release
  dirty: string[]; // `git status --porcelain` lines
}

export function describeSource(repo: string): Source {
  const commit = run('git', ['-C', repo, 'rev-parse', 'HEAD']).trim();
  const sourceDateEpoch = Number(run('git', ['-C', repo, 'log', '-1', '--format=%ct']).trim());
  const dirty = run('git', ['-C', repo, 'status', '--porcelain']).split('\n').filter(Boolean);
  return { commit, sourceDateEpoch, dirty };
}

/** Copies the commit (or, when dirty is allowed, every tracked or unignored file as it is now) into dir. */
export function exportSource(repo: string, dir: string, workingTree: boolean): void {
  mkdirSync(dir, { recursive: true });
  if (!workingTree) {
    run('sh', ['-c', 'git -C "$1" archive --format=tar HEAD | tar -x -C "$2"', 'export', repo, dir]);
    return;
  }
  run('sh', ['-c', 'cd "$1" && git ls-files -z -c -o --exclude-standard | xargs -0 -r sh -c \'for f; do [ -e "$f" ] && printf "%s\\0" "$f"; done\' _ | tar -c --null -T - | tar -x -C "$2"', 'export', repo, dir]);
}

// Finds the external commands the project's code runs, by reading the code: the literal program of every
// spawn/execFile-style call and of every `ip netns exec` argv in TypeScript, and the words in command
// position of shell scripts (files, and the guard scripts TypeScript embeds). A reading, not a proof: what
// it finds is checked against the machine (tools.test.ts); a command built from a variable is not seen.

export interface SpawnedCommand {
  command: string;
  /** "file:line" of one place that runs it. */
  where: string;
  /** A literal spawn target (must exist); shell words may name functions and are checked only when found. */
  certain: boolean;
}

const SPAWNERS = ['spawn', 'spawnSync', 'execFile', 'execFileSync', 'runCommand'];
const NETNS_EXEC = /'netns',\s*'exec',\s*[\w.]+,\s*'([^']+)'/g;
const COMMAND_PROPERTY = /\bcommand:\s*'([^']+)'/g;
const EMBEDDED_SCRIPT = /const \w*[sS]cript = `([\s\S]*?)`;/g;

const SHELL_WORDS = new Set([
  'if', 'then', 'else', 'elif', 'fi', 'for', 'while', 'until', 'do', 'done', 'case', 'esac', 'in', 'function', 'return',
  'exit', 'set', 'unset', 'export', 'local', 'readonly', 'shift', 'trap', 'wait', 'cd', 'echo', 'printf', 'read', 'eval',
  'exec', 'test', 'true', 'false', 'command', 'type', 'break', 'continue', 'umask', 'kill', 'times', 'ulimit', '.', ':',
  '[', '[[', '{', '}', '!', 'time', 'pwd',
]);
/** Words that may stand before the program of a simple command. */
const PREFIXES = new Set(['then', 'do', 'else', 'elif', 'if', 'while', 'until', '!', 'exec', 'time']);
/** setpriv's options that take a value as the next word. */
const SETPRIV_VALUED = new Set(['--pdeathsig', '--reuid', '--regid', '--ruid', '--euid', '--rgid', '--egid', '--groups', '--inh-caps', '--ambient-caps', '--bounding-set', '--securebits']);
/** Commands that run another command given after their own arguments. */
const WRAPPERS = new Set(['env', 'setpriv', 'flock', 'nice', 'timeout', 'nohup']);

/** A program name as written in code: no paths, no variables, no flags. */
const PROGRAM = /^[a-z][a-z0-9_.+-]*$/;

function lineOf(text: string, index: number): number {
  return text.slice(0, index).split('\n').length;
}

function typescriptCommands(file: string, text: string): SpawnedCommand[] {
  // `const run = promisify(execFile)` makes `run` a spawner in this file.
  const aliases = [...text.matchAll(/const (\w+) = promisify\(execFile\)/g)].map((m) => m[1] ?? '');
  const calls = new RegExp(`\\b(?:${[...SPAWNERS, ...aliases].join('|')})\\(\\s*(?:[\\w.]+\\s*,\\s*)?\\[?\\s*'([^']+)'`, 'g');
  const found: SpawnedCommand[] = [];
  for (const pattern of [calls, NETNS_EXEC, COMMAND_PROPERTY]) {
    for (const match of text.matchAll(pattern)) {
      const command = match[1] ?? '';
      if (PROGRAM.test(command)) found.push({ command, where: `${file}:${lineOf(text, match.index)}`, certain: true });
    }
  }
  for (const match of text.matchAll(EMBEDDED_SCRIPT)) {
    const offset = lineOf(text, match.index) - 1;
    for (const c of shellCommands(file, match[1] ?? '')) {
      found.push({ ...c, where: `${file}:${Number(c.where.split(':').pop()) + offset}` });
    }
  }
  return found;
}

/**
 * Cuts one line of shell into the pieces that can hold a command: the text between separators outside
 * quotes, and the inside of every $(...) (also within double quotes). Quoted text is dropped.
 */
export function shellSegments(line: string): string[] {
  const segments: string[] = [];
  const stack: { text: string; quote: '' | '"' | "'" }[] = [{ text: '', quote: '' }];
  const top = () => stack[stack.length - 1] as { text: string; quote: '' | '"' | "'" };
  const cut = () => {
    segments.push(top().text);
    top().text = '';
  };
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    const frame = top();
    if (frame.quote === "'") {
      if (c === "'") frame.quote = '';
      continue;
    }
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === '$' && line[i + 1] === '(' && line[i + 2] !== '(') {
      stack.push({ text: '', quote: '' });
      i++;
      continue;
    }
    if (frame.quote === '"') {
      if (c === '"') frame.quote = '';
      continue;
    }
    if (c === "'" || c === '"') {
      frame.quote = c;
      continue;
    }
    if (c === '#' && (i === 0 || /\s/.test(line[i - 1] ?? ''))) break;
    if (c === ')' && stack.length > 1) {
      cut();
      stack.pop();
      continue;
    }
    if (';|&(){}`'.includes(c)) {
      cut();
      continue;
    }
    frame.text += c;
  }
  while (stack.length > 0) {
    cut();
    stack.pop();
  }
  return segments.filter((s) => s.trim() !== '');
}

/** The program a simple command runs, and those its wrappers (env, setpriv, flock, ...) run. */
function programsOf(segment: string): string[] {
  const words = segment.trim().split(/\s+/);
  const programs: string[] = [];
  let i = 0;
  const skipPrefixes = () => {
    while (i < words.length && (/^[A-Za-z_]\w*=/.test(words[i] ?? '') || /^\d*[<>]/.test(words[i] ?? '') || PREFIXES.has(words[i] ?? ''))) i++;
  };
  skipPrefixes();
  while (WRAPPERS.has(words[i] ?? '')) {
    const wrapper = words[i++] as string;
    programs.push(wrapper);
    if (wrapper === 'setpriv') {
      while ((words[i] ?? '').startsWith('-') && words[i] !== '--') i += SETPRIV_VALUED.has(words[i] ?? '') ? 2 : 1;
      if (words[i] === '--') i++;
    } else {
      while ((words[i] ?? '').startsWith('-') || /^[A-Za-z_]\w*=/.test(words[i] ?? '')) i++;
      if (wrapper === 'flock' || wrapper === 'timeout') i++; // the lock file, the duration
    }
    skipPrefixes();
  }
  if (words[i] !== undefined) programs.push(words[i] as string);
  return programs;
}

/** Words in command position in a shell script; heredoc bodies and functions it defines are left out. */
export function shellCommands(file: string, text: string): SpawnedCommand[] {
  const functions = new Set([...text.matchAll(/^\s*([\w-]+)\s*\(\)\s*\{/gm)].map((m) => m[1]));
  const found: SpawnedCommand[] = [];
  let heredocEnd: string | undefined;
  text.split('\n').forEach((line, index) => {
    if (heredocEnd !== undefined) {
      if (line.trim() === heredocEnd) heredocEnd = undefined;
      return;
    }
    heredocEnd = /<<-?\s*['"]?(\w+)['"]?/.exec(line)?.[1];
    for (const segment of shellSegments(line)) {
      for (const word of programsOf(segment)) {
        if (PROGRAM.test(word) && !SHELL_WORDS.has(word) && !functions.has(word)) {
          found.push({ command: word, where: `${file}:${index + 1}`, certain: false });
        }
      }
    }
  });
  return found;
}

/** The commands one source file runs; `file` decides the language (.sh or TypeScript). */
export function spawnedCommands(file: string, text: string): SpawnedCommand[] {
  return file.endsWith('.sh') ? shellCommands(file, text) : typescriptCommands(file, text);
}

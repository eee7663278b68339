// `npm install`'s prepare step: compiles dist/ when TypeScript is installed (a development install). A
// production install (`npm ci --omit=dev`) has no compiler: it runs the dist/ built before (by `npm run build`
// or the Docker build stage) and must not fail for want of tsc.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

let tsc;
try {
  tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
  if (!existsSync('dist/src/main.js')) {
    process.stderr.write(
      'skidio-bot: dist/ is not built and TypeScript is not installed (a production install). Build first with ' +
        '`npm ci && npm run build` (the dev dependencies are needed once), then `npm prune --omit=dev`.\n',
    );
  }
  process.exit(0);
}
const build = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
process.exit(build.status ?? 1);

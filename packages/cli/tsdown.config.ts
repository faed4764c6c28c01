import { defineConfig } from 'tsdown'
import { packageConfig } from '../../tsdown.base'

// src/cli.ts starts with `#!/usr/bin/env node`, which the build keeps at the top of dist/cli.mjs.
export default defineConfig(packageConfig({ entry: ['src/index.ts', 'src/cli.ts'] }))

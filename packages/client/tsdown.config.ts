import { defineConfig } from 'tsdown'
import { packageConfig } from '../../tsdown.base'

// Runs in browsers, Node and other runtimes with fetch: no Node built-ins.
export default defineConfig(
  packageConfig({ entry: ['src/index.ts', 'src/axios.ts'], platform: 'neutral' }),
)

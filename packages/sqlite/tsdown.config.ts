import { defineConfig } from 'tsdown'
import { packageConfig } from '../../tsdown.base'

export default defineConfig(packageConfig({ entry: ['src/index.ts', 'src/cli.ts'] }))

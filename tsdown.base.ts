// What every published package's build shares (each package's tsdown.config.ts names only what
// differs): ESM with declarations, `.mjs` and `.d.mts` names.
import type { UserConfig } from 'tsdown'

export function packageConfig(config: UserConfig = {}): UserConfig {
  return {
    entry: ['src/index.ts'],
    format: 'esm',
    dts: true,
    platform: 'node',
    fixedExtension: true,
    ...config,
  }
}

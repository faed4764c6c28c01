import { defineConfig } from 'tsdown'
import { packageConfig } from '../../tsdown.base'

export default defineConfig(packageConfig())

// Node loads a test reporter before `--import=tsx` applies, so this shim loads the real one.
import { tsImport } from 'tsx/esm/api';

const { countReporter } = await tsImport('./quiet-reporter.ts', import.meta.url);
export default countReporter;

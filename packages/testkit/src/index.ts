export { stackEnv, stackEnvPath, stackSetting } from './stack-env.ts';
export { uniqueName, waitFor } from './wait-for.ts';
export type { WaitForOptions } from './wait-for.ts';

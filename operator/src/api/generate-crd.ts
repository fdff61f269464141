import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CRD_PATH, orderPipelineCrdYaml } from './crd.ts';

// Writes the CRD generated from the TypeBox schemas; a unit test fails when it is stale.
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const target = join(root, CRD_PATH);
writeFileSync(target, orderPipelineCrdYaml());
process.stdout.write(`wrote ${CRD_PATH}\n`);

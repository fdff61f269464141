// The child side of renewInChildProcess: reads one job (JSON) on stdin, writes the renewed
// material (JSON) on stdout and exits, so the X.509 encoder never lives in the operator.
import { text } from 'node:stream/consumers';
import { renew, type CertDecision, type CertMaterial, type CertPolicy } from './cert-plan.ts';

const job = JSON.parse(await text(process.stdin)) as { material: CertMaterial | undefined; decision: CertDecision; policy: CertPolicy; now: number };
process.stdout.write(JSON.stringify(await renew(job.material, job.decision, job.policy, new Date(job.now))));

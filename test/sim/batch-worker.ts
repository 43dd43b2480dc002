import { parentPort, workerData } from 'node:worker_threads';
import { runSeeds } from './batch.js';
import type { PlantedBug } from './sim-world.js';

/** A worker thread of runBatch: runs its share of the seeds and reports the summary. */
const { seeds, bug } = workerData as { seeds: number[]; bug: PlantedBug };
parentPort?.postMessage(await runSeeds(seeds, bug));

// The controller's heap growth. After each full collection V8 lets the old generation grow to
// up to four times what survived it before collecting again. Reading a fabric makes garbage
// that lives just long enough to reach the old generation (a switch's reply held while 63
// others are in flight), and at 1,000 switches that factor alone took the process past 1 GB
// when under 300 MB was live. A process that holds a fabric session lets its heap grow to
// twice what survived instead (bench:scale at 1,000 switches: peak RSS 1,049 MB before, 589 MB
// after, the controller's CPU 5–19 % more in verify and drift; README, bench:scale).
import { setFlagsFromString } from 'node:v8';

/** Growth allowed after a full collection, in percent of what survived it (V8's own factor,
 *  read at each collection: setting it while running takes effect from the next one). */
export const HEAP_GROWING_PERCENT = 100;

let bounded = false;

/** Once per process, when its first fabric session is made (FabricSession). */
export function boundHeapGrowth(): void {
  if (bounded) return;
  bounded = true;
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}

// The controller's heap growth. After each full collection V8 lets the old generation grow to
// up to four times what survived it before collecting again. Reading a fabric makes garbage
// that lives just long enough to reach the old generation (a switch's reply held while 63
// others are in flight): at 256 switches heap snapshots found 30–57 MB live after every phase
// while the RSS peaked near 500 MB, and at 1,000 the process went past 1 GB. A process that
// holds a session over a large fabric lets its heap grow to twice what survived instead:
// bench:scale at 1,000 switches peaked at 1,049 MB before, 605–662 MB after; the controller's
// CPU stayed level in plan, apply and verify and rose by up to 15 % in drift (README,
// bench:scale). For a small fabric, collecting twice as often costs about a tenth of a drift
// (bench:drift at 64 switches, paired) and saves nothing that matters (its peak is a few
// hundred MB either way): it keeps V8's own factor.
import { setFlagsFromString } from 'node:v8';

/** Growth allowed after a full collection, in percent of what survived it (V8's own factor,
 *  read at each collection: setting it while running takes effect from the next one). */
const HEAP_GROWING_PERCENT = 100;

/** Sessions of this many switches or more bound the process's heap growth. */
const BOUND_HEAP_FROM_SWITCHES = 200;

let bounded = false;

/** Called with each fabric session's switch count (FabricSession); once bounded, the process
 *  stays so. */
export function boundHeapGrowth(switches: number): void {
  if (bounded || switches < BOUND_HEAP_FROM_SWITCHES) return;
  bounded = true;
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}

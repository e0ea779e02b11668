/** Why dist/ must be rebuilt first, or undefined when it is current. */
export function distProblem(root?: string): string | undefined;

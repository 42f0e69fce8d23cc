// Bellman–Ford negative-cycle detection on a weighted directed graph, the search behind triangular arbitrage.
export interface WeightedEdge {
  readonly from: number;
  readonly to: number;
  readonly weight: number;
}

/*
 * Bellman–Ford (Cormen, Leiserson, Rivest & Stein, "Introduction to Algorithms", 3rd ed., §24.1)
 * started from a virtual source joined to every vertex by a 0-weight edge, which is the same as
 * starting every distance at 0: then every negative cycle is reachable. After `vertexCount`
 * rounds (the virtual source makes it vertexCount + 1 vertices) distances are final unless a
 * negative cycle exists; a cycle in the predecessor graph is then a negative cycle (CLRS
 * Problem 24-3 "Arbitrage" applies exactly this to −log of exchange rates).
 *
 * `epsilon` ignores improvements smaller than itself, so a fair market whose rates multiply to
 * 1 ± rounding noise is not reported as a cycle.
 */
export function findNegativeCycle(vertexCount: number, edges: readonly WeightedEdge[], epsilon = 1e-12): number[] | undefined {
  const distance = new Float64Array(vertexCount);
  const predecessor = new Int32Array(vertexCount).fill(-1);
  for (let round = 0; round <= vertexCount; round++) {
    let relaxed = false;
    for (const e of edges) {
      const candidate = distance[e.from]! + e.weight;
      if (candidate < distance[e.to]! - epsilon) {
        distance[e.to] = candidate;
        predecessor[e.to] = e.from;
        relaxed = true;
      }
    }
    if (!relaxed) return undefined;
  }
  return cycleInPredecessors(predecessor);
}

/** The first cycle met when following predecessors from each vertex in index order, in edge direction. */
function cycleInPredecessors(predecessor: Int32Array): number[] | undefined {
  // 0 = unvisited, 1 = on the walk being followed, 2 = finished (leads to no new cycle).
  const state = new Uint8Array(predecessor.length);
  for (let start = 0; start < predecessor.length; start++) {
    if (state[start] !== 0) continue;
    const walk: number[] = [];
    let v = start;
    while (v !== -1 && state[v] === 0) {
      state[v] = 1;
      walk.push(v);
      v = predecessor[v]!;
    }
    if (v !== -1 && state[v] === 1) {
      // The walk goes backwards along predecessor links; reverse it to read in trading order.
      const cycle = walk.slice(walk.indexOf(v)).reverse();
      return [...cycle, cycle[0]!];
    }
    for (const w of walk) state[w] = 2;
  }
  return undefined;
}

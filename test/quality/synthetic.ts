/**
 * Seeded synthetic data sets of known structure for the quality estimators' tests.
 *
 * `linearSubspace` draws standard Gaussian points in d dimensions and maps them linearly into
 * `ambient` dimensions: their intrinsic dimension is exactly d (a Gaussian rather than a uniform cube,
 * because the cube's faces bias every k-NN dimension estimator downwards at d = 10). `torus` embeds a flat d-torus in 2d of the
 * ambient coordinates (cos, sin of each angle), then mixes them by a random rotation-like matrix:
 * intrinsic dimension d with no boundary. `clusteredPoints` draws Gaussian blobs, the shape on which a
 * poorly connected graph misses neighbours.
 */

import { SeededRandom } from "../../src/index/random.js";

function randomMatrix(rows: number, cols: number, random: SeededRandom): Float64Array {
  const m = new Float64Array(rows * cols);
  for (let i = 0; i < m.length; i++) m[i] = random.nextGaussian();
  return m;
}

function project(latent: Float64Array, matrix: Float64Array, ambient: number): Float32Array {
  const d = latent.length;
  const out = new Float32Array(ambient);
  for (let r = 0; r < ambient; r++) {
    let s = 0;
    for (let c = 0; c < d; c++) s += matrix[r * d + c] * latent[c];
    out[r] = s;
  }
  return out;
}

export function linearSubspace(n: number, d: number, ambient: number, seed: number): Float32Array[] {
  const random = new SeededRandom(seed);
  const matrix = randomMatrix(ambient, d, random);
  const points: Float32Array[] = [];
  for (let i = 0; i < n; i++) {
    const latent = new Float64Array(d);
    for (let c = 0; c < d; c++) latent[c] = random.nextGaussian();
    points.push(project(latent, matrix, ambient));
  }
  return points;
}

export function torus(n: number, d: number, ambient: number, seed: number): Float32Array[] {
  const random = new SeededRandom(seed);
  const matrix = randomMatrix(ambient, 2 * d, random);
  const points: Float32Array[] = [];
  for (let i = 0; i < n; i++) {
    const latent = new Float64Array(2 * d);
    for (let c = 0; c < d; c++) {
      const angle = 2 * Math.PI * random.next();
      latent[2 * c] = Math.cos(angle);
      latent[2 * c + 1] = Math.sin(angle);
    }
    points.push(project(latent, matrix, ambient));
  }
  return points;
}

export function clusteredPoints(
  n: number,
  dim: number,
  clusters: number,
  spread: number,
  seed: number,
): Float32Array[] {
  const random = new SeededRandom(seed);
  const centres = Array.from({ length: clusters }, () =>
    Float32Array.from({ length: dim }, () => random.nextGaussian()),
  );
  return Array.from({ length: n }, () => {
    const centre = centres[random.nextInt(clusters)];
    return Float32Array.from(centre, (c) => c + spread * random.nextGaussian());
  });
}

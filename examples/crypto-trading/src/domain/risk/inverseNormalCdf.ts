// The standard normal quantile function Φ⁻¹(p), for turning a confidence level into a z-score.
/*
 * Source: Peter J. Acklam, "An algorithm for computing the inverse normal cumulative distribution
 * function" (2003): a rational approximation in a central region and in both tails, with relative
 * error below 1.15·10⁻⁹ over (0, 1) — far finer than any volatility estimate fed to a VaR.
 * The coefficients are Acklam's published ones.
 */
const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];

/** Where the central rational function hands over to the tail one (Acklam's p_low). */
const tailBoundary = 0.02425;

/** Horner's rule over coefficients given from the highest power down. */
function poly(coefficients: readonly number[], x: number): number {
  let sum = 0;
  for (const k of coefficients) sum = sum * x + k;
  return sum;
}

function tail(p: number): number {
  const q = Math.sqrt(-2 * Math.log(p));
  return poly(c, q) / (poly(d, q) * q + 1);
}

/** Φ⁻¹(p) for p in (0, 1); throws RangeError outside it. */
export function inverseNormalCdf(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`inverseNormalCdf needs 0 < p < 1, got ${p}`);
  if (p < tailBoundary) return tail(p);
  if (p > 1 - tailBoundary) return -tail(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return (poly(a, r) * q) / (poly(b, r) * r + 1);
}

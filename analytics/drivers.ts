/**
 * Cost-change drivers: why a cost went from A to B.
 *
 * The change is split by item (a service, account, region, …): grown, shrunk, new and gone.
 * Where usage quantity exists, each item's change is also split into volume and rate:
 * volume = (q_B − q_A) × p_A and rate = (p_B − p_A) × q_B with p = cost ÷ quantity, which add
 * up exactly to the change (a standard price-volume decomposition, as in variance analysis).
 * @module
 */

/** Cost (and optionally quantity) of one item in the two periods. */
export interface ItemPeriods {
  key: string;
  costA: number;
  costB: number;
  qtyA?: number | null;
  qtyB?: number | null;
}

/** One item's share of the change. */
export interface Driver {
  key: string;
  costA: number;
  costB: number;
  change: number;
  /** Share of the total change (%), signed. */
  pct: number;
  status: "new" | "gone" | "up" | "down" | "flat";
  volume: number | null;
  rate: number | null;
}

/** The decomposition of a change. */
export interface DriverReport {
  totalA: number;
  totalB: number;
  change: number;
  changePct: number | null;
  drivers: Driver[];
}

/**
 * Decomposes the change between two periods into item drivers, largest |change| first.
 *
 * @example
 * decomposeChange([{key: "EC2", costA: 100, costB: 150, qtyA: 10, qtyB: 12}, {key: "S3", costA: 0, costB: 5}])
 * // → {change: 55, drivers: [{key: "EC2", change: 50, volume: 20, rate: 30, status: "up"}, {key: "S3", status: "new", …}]}
 */
export function decomposeChange(items: ItemPeriods[]): DriverReport {
  const totalA = items.reduce((s, i) => s + i.costA, 0);
  const totalB = items.reduce((s, i) => s + i.costB, 0);
  const change = totalB - totalA;
  const drivers = items.map((i): Driver => {
    const d = i.costB - i.costA;
    let volume: number | null = null;
    let rate: number | null = null;
    if (i.qtyA && i.qtyB && i.qtyA > 0 && i.qtyB > 0) {
      const pA = i.costA / i.qtyA;
      const pB = i.costB / i.qtyB;
      volume = (i.qtyB - i.qtyA) * pA;
      rate = (pB - pA) * i.qtyB;
    }
    const eps = 1e-9;
    const status = Math.abs(i.costA) < eps && Math.abs(i.costB) > eps
      ? "new"
      : Math.abs(i.costB) < eps && Math.abs(i.costA) > eps
      ? "gone"
      : Math.abs(d) < 0.005
      ? "flat"
      : d > 0
      ? "up"
      : "down";
    return {
      key: i.key,
      costA: i.costA,
      costB: i.costB,
      change: d,
      pct: Math.abs(change) > eps ? (d / change) * 100 : 0,
      status,
      volume,
      rate,
    };
  }).sort((a, b) => Math.abs(b.change) - Math.abs(a.change));
  return {
    totalA,
    totalB,
    change,
    changePct: Math.abs(totalA) > 1e-9 ? (change / Math.abs(totalA)) * 100 : null,
    drivers,
  };
}

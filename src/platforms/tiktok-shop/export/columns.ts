/** The two TikTok export layouts tracknow reads. */
export type ExportFormat = 'orders' | 'affiliate';

/** A column: its header name, and whether a file without it is refused. */
interface ColumnSpec {
  readonly name: string;
  readonly required: boolean;
}

const req = (name: string): ColumnSpec => ({ name, required: true });
const opt = (name: string): ColumnSpec => ({ name, required: false });

/** Seller Center "All orders" export: one row per order × SKU. */
export const ORDERS_COLUMNS = {
  orderId: req('Order ID'),
  status: req('Order Status'),
  subtotal: req('SKU Subtotal After Discount'),
  created: req('Created Time'),
  orderAmount: opt('Order Amount'),
  paid: opt('Paid Time'),
  rts: opt('RTS Time'),
  shipped: opt('Shipped Time'),
  delivered: opt('Delivered Time'),
  cancelled: opt('Cancelled Time'),
  buyerMessage: opt('Buyer Message'),
  quantity: opt('Quantity'),
  returnType: opt('Cancelation/Return Type'),
  returnedQuantity: opt('Sku Quantity of return'),
  taxes: opt('Taxes'),
  refundAmount: opt('Order Refund Amount'),
  // Deals by product: each row is one line.
  skuId: opt('SKU ID'),
  productId: opt('Product ID'),
  sellerSku: opt('Seller SKU'),
} as const satisfies Record<string, ColumnSpec>;

/** Affiliate Center orders export: one row per order × SKU, each naming its creator. */
export const AFFILIATE_COLUMNS = {
  orderId: req('Order ID'),
  status: req('Order Status'),
  payment: req('Payment Amount'),
  creator: req('Creator Username'),
  created: req('Time Created'),
  refunded: opt('Fully returned or refunded'),
  delivered: opt('Order Delivery Time'),
  estCommission: opt('Est. standard commission payment'),
  actualCommission: opt('Actual Commission Payment'),
  skuId: opt('SKU ID'),
  productId: opt('Product ID'),
  sellerSku: opt('Seller SKU'),
  quantity: opt('Quantity'),
} as const satisfies Record<string, ColumnSpec>;

export type OrdersColumn = keyof typeof ORDERS_COLUMNS;
export type AffiliateColumn = keyof typeof AFFILIATE_COLUMNS;

/** Column positions by role; -1 for an optional column the file lacks. */
export type ColumnIndex<K extends string> = Readonly<Record<K, number>>;

/** Header names compare case- and spacing-insensitively: exports differ in both across regions. */
export function headerKey(name: string): string {
  return name.trim().toLowerCase().replace(/\s+/g, ' ');
}

/** Maps each header key to its first position. */
export function indexHeader(header: readonly string[]): Map<string, number> {
  const positions = new Map<string, number>();
  header.forEach((name, i) => {
    const key = headerKey(name);
    if (key !== '' && !positions.has(key)) positions.set(key, i);
  });
  return positions;
}

/** Resolves a layout against a header; `missing` lists the required names it lacks. */
export function resolveColumns<K extends string>(
  specs: Readonly<Record<K, ColumnSpec>>,
  positions: ReadonlyMap<string, number>,
): { index: ColumnIndex<K>; missing: string[] } {
  const index = {} as Record<K, number>;
  const missing: string[] = [];
  for (const key of Object.keys(specs) as K[]) {
    const spec = specs[key];
    const at = positions.get(headerKey(spec.name));
    if (at === undefined && spec.required) missing.push(spec.name);
    index[key] = at ?? -1;
  }
  return { index, missing };
}

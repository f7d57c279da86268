/**
 * Writes a synthetic Seller Center "All orders" export: the real 57-column header, the
 * description row, BOM and CRLF, tab-padded ids and dates, 1–3 SKU lines per order, a mix of
 * statuses, `$` money cells, and TRACK tokens in some buyer messages (a few quoted, multi-line).
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

export const ORDERS_HEADER =
  'Order ID,Order Status,Order Substatus,Cancelation/Return Type,Normal or Pre-order,SKU ID,Seller SKU,Product Name,Variation,Quantity,Sku Quantity of return,SKU Unit Original Price,SKU Subtotal Before Discount,SKU Platform Discount,SKU Seller Discount,SKU Subtotal After Discount,Shipping Fee After Discount,Original Shipping Fee,Shipping Fee Seller Discount,Shipping Fee Platform Discount,Payment platform discount,Retail Delivery Fee,Taxes,Order Amount,Order Refund Amount,Created Time,Paid Time,RTS Time,Shipped Time,Delivered Time,Cancelled Time,Cancel By,Cancel Reason,Fulfillment Type,Warehouse Name,Tracking ID,Delivery Option Type,Delivery Option,Shipping Provider Name,Buyer Message,Buyer Username,Recipient,Phone #,Country,State,City,Zipcode,Detail Address,Additional address information,House Name or Number,Delivery Instruction,Payment Method,Weight(kg),Product Category,Package ID,Seller Note,Shipping Information';

const DESCRIPTION =
  'Unique order number on the platform.,Status of the order now.' + ',Line subtotal'.repeat(0) + ','.repeat(55);
const STATUSES = [
  'Delivered',
  'Shipped',
  'Completed',
  'To ship',
  'Delivered',
  'Canceled',
  'Completed',
  'Unpaid',
] as const;
const PRODUCTS = [
  'Vitamin C Serum 30ml',
  '"Hydrating Sheet Mask, pack of 5"',
  'Night Cream 50ml',
  'Gift bag',
  '"LED Therapy Mask, Pro edition"',
];

const pad = (n: number) => String(n).padStart(2, '0');
function usDate(ms: number): string {
  const d = new Date(ms);
  const h = d.getUTCHours();
  return `${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())}/${d.getUTCFullYear()} ${h % 12 || 12}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} ${h < 12 ? 'AM' : 'PM'}\t`;
}
const money = (cents: number) => {
  const s = (cents / 100).toFixed(2);
  return cents >= 100_000 ? `"$${s.replace(/^(\d+)(\d{3})/, '$1,$2')}"` : `$${s}`;
};

/** The CSV lines of order `i` (1–3 rows); `codes` are the tracking codes buyer messages name. */
function orderLines(i: number, codes: readonly string[]): string[] {
  const id = `5764614130${String(i).padStart(8, '0')}\t`;
  const status = STATUSES[i % STATUSES.length]!;
  const lines = 1 + ((i * 7) % 5 === 0 ? 2 : (i * 7) % 5 === 1 ? 1 : 0);
  const created = Date.UTC(2026, 0, 1) + i * 37_000;
  const times = [
    usDate(created),
    status === 'Unpaid' ? '' : usDate(created + 40_000),
    '',
    '',
    status === 'Delivered' || status === 'Completed' ? usDate(created + 86_400_000 * 3) : '',
    status === 'Canceled' ? usDate(created + 3_600_000) : '',
  ];
  const code = codes.length && i % 3 !== 2 ? codes[i % codes.length] : undefined;
  const message =
    code === undefined
      ? ''
      : i % 50 === 0
        ? `"Leave at the door,\r\nbehind the plant. track:${code.toLowerCase()}"`
        : `please gift wrap TRACK:${code} thanks`;
  const subtotals = Array.from({ length: lines }, (_, l) => 1000 + ((i * 31 + l * 17) % 9000));
  const total = subtotals.reduce((a, b) => a + b, 0) + 499;
  return subtotals.map((sub, l) =>
    [
      id,
      status,
      status,
      status === 'Canceled' ? 'Cancel' : '',
      'Normal',
      `17293847${String(i % 100000).padStart(5, '0')}${l}\t`,
      `SKU-${l}`,
      PRODUCTS[(i + l) % PRODUCTS.length],
      '30ml',
      '1',
      '0',
      money(sub),
      money(sub),
      '$0.00',
      '$0.00',
      money(sub),
      '$4.99',
      '$4.99',
      '',
      '',
      '',
      '',
      '$2.79',
      money(total),
      '$0.00',
      ...times,
      status === 'Canceled' ? 'Buyer' : '',
      status === 'Canceled' ? 'No longer needed' : '',
      'Fulfillment by seller',
      '',
      '',
      '',
      '',
      '',
      message,
      'j***doe',
      '',
      '',
      'United States',
      'California',
      'Los Angeles',
      '',
      '',
      '',
      '',
      '',
      'Credit card',
      '',
      'Beauty & Personal Care',
      '',
      '',
      '',
    ].join(','),
  );
}

/** Writes at least `rows` data rows (whole orders); returns the rows and orders written. */
export async function writeOrdersExport(
  path: string,
  rows: number,
  codes: readonly string[],
): Promise<{ rows: number; orders: number; bytes: number }> {
  const out = createWriteStream(path);
  let written = 0;
  let orders = 0;
  let bytes = 0;
  let chunk = `\ufeff${ORDERS_HEADER}\r\n${DESCRIPTION}\r\n`;
  while (written < rows) {
    const lines = orderLines(++orders, codes);
    written += lines.length;
    chunk += lines.join('\r\n') + '\r\n';
    if (chunk.length > 1 << 20) {
      bytes += Buffer.byteLength(chunk);
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  bytes += Buffer.byteLength(chunk);
  out.end(chunk);
  await once(out, 'finish');
  return { rows: written, orders, bytes };
}

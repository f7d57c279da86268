import { create } from 'xmlbuilder2';
import { isSepaIban, isValidBic, isValidIban, normalizeBic, normalizeIban } from '../../../domain/iban.js';
import { formatMajor } from '../../../domain/money.js';
import { TracknowError } from '../../../errors.js';

type XMLBuilder = ReturnType<typeof create>;

const NAMESPACE = 'urn:iso:std:iso:20022:tech:xsd:pain.001.001.03';

/** The debtor as configuration gives it (TRACKNOW_SEPA_DEBTOR_NAME, _IBAN, _BIC); any may be missing. */
export interface SepaDebtorConfig {
  readonly name?: string | undefined;
  readonly iban?: string | undefined;
  readonly bic?: string | undefined;
}

export interface SepaDebtor {
  readonly name: string;
  readonly iban: string;
  readonly bic: string | null;
}

/** One credit transfer, in EUR cents. */
export interface SepaTransfer {
  /** The payout reference; becomes PmtId/EndToEndId (≤ 35 SEPA characters). */
  readonly endToEndId: string;
  readonly amountMinor: bigint;
  readonly creditorName: string;
  readonly creditorIban: string;
  /** Optional since IBAN-only SEPA; an invalid BIC is left out rather than failing the file. */
  readonly creditorBic?: string | null | undefined;
  readonly remittance: string;
}

export interface Pain001Input {
  /** GrpHdr/MsgId and PmtInfId, e.g. the payout batch id (≤ 35 characters once hyphens are dropped). */
  readonly messageId: string;
  readonly createdAt: Date;
  /** Requested execution date (its UTC day); defaults to the day of `createdAt`. */
  readonly executionDate?: Date;
  readonly debtor: SepaDebtorConfig;
  readonly transfers: readonly SepaTransfer[];
  readonly batchBooking?: boolean;
}

const invalid = (message: string) => new TracknowError('invalid', message);

// Letters with no NFKD decomposition into the SEPA (Latin) set, and punctuation with an obvious stand-in.
const SPECIAL: Readonly<Record<string, string>> = {
  ß: 'ss',
  ẞ: 'SS',
  Æ: 'AE',
  æ: 'ae',
  Ø: 'O',
  ø: 'o',
  Œ: 'OE',
  œ: 'oe',
  Đ: 'D',
  đ: 'd',
  Ð: 'D',
  ð: 'd',
  Ł: 'L',
  ł: 'l',
  Þ: 'TH',
  þ: 'th',
  ı: 'i',
  '&': '+',
  '"': "'",
  '‘': "'",
  '’': "'",
  '“': "'",
  '”': "'",
  '–': '-',
  '—': '-',
  _: '-',
};
/** Built from the keys, not a literal, so the bundled CLI stays ASCII (scripts/bundle-bin.mjs). */
const SPECIAL_CHARS = new RegExp(`[${Object.keys(SPECIAL).join('')}]`, 'g');

/**
 * Restricts text to the SEPA character set (a-z A-Z 0-9 / - ? : ( ) . , ' + space): accents are
 * stripped, a few letters transliterated, anything else (emoji, newlines) becomes a space.
 * The result is trimmed to `max` characters; empty text becomes `fallback`.
 */
export function sepaText(text: string, max: number, fallback = 'NOTPROVIDED'): string {
  const latin = text
    .replace(SPECIAL_CHARS, (c) => SPECIAL[c] ?? ' ')
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/[^A-Za-z0-9/\-?:().,'+ ]/gu, ' ')
    .replace(/ +/g, ' ')
    .trim();
  const cut = latin.slice(0, max).trim();
  return cut === '' ? fallback.slice(0, max) : cut;
}

/** A SEPA identifier (≤ 35): no spaces, not starting or ending with `/`, no `//` (EPC rules). */
export function sepaId(text: string): string {
  let id = sepaText(text, 1000, '')
    .replace(/ /g, '-')
    .replace(/\/{2,}/g, '/')
    .replace(/^\/+|\/+$/g, '');
  if (id.length > 35) id = id.replace(/-/g, '');
  if (id === '' || id.length > 35)
    throw invalid(`not usable as a SEPA identifier (1 to 35 characters): ${JSON.stringify(text.slice(0, 60))}`);
  return id;
}

/** The debtor from configuration, checked; names the environment variables when something is missing or wrong. */
export function requireSepaDebtor(config: SepaDebtorConfig): SepaDebtor {
  const missing = [
    config.name?.trim() ? '' : 'TRACKNOW_SEPA_DEBTOR_NAME',
    config.iban?.trim() ? '' : 'TRACKNOW_SEPA_DEBTOR_IBAN',
  ].filter(Boolean);
  if (missing.length > 0 || config.name === undefined || config.iban === undefined) {
    throw invalid(
      `a SEPA file needs the paying account: set ${missing.join(' and ')} (and TRACKNOW_SEPA_DEBTOR_BIC if your bank wants one)`,
    );
  }
  const iban = normalizeIban(config.iban);
  if (!isValidIban(iban) || !isSepaIban(iban))
    throw invalid('TRACKNOW_SEPA_DEBTOR_IBAN is not a valid IBAN of a SEPA country');
  const bic = config.bic?.trim() ? normalizeBic(config.bic) : null;
  if (bic !== null && !isValidBic(bic))
    throw invalid('TRACKNOW_SEPA_DEBTOR_BIC is not a valid BIC (8 or 11 characters)');
  return { name: sepaText(config.name, 70), iban, bic };
}

const isoDate = (d: Date) => d.toISOString().slice(0, 10);

/** An agent by BIC, or the `NOTPROVIDED` marker that SEPA uses when the BIC is not given. */
function agent(parent: XMLBuilder, tag: string, bic: string | null): void {
  const fin = parent.ele(tag).ele('FinInstnId');
  if (bic !== null) fin.ele('BIC').txt(bic);
  else fin.ele('Othr').ele('Id').txt('NOTPROVIDED');
}

function transferXml(pmtInf: XMLBuilder, t: SepaTransfer): void {
  const iban = normalizeIban(t.creditorIban);
  if (!isValidIban(iban) || !isSepaIban(iban))
    throw invalid(`payout ${t.endToEndId}: the creditor IBAN is not a valid SEPA IBAN`);
  if (t.amountMinor <= 0n) throw invalid(`payout ${t.endToEndId}: a SEPA transfer must be positive`);
  const bic = t.creditorBic ? normalizeBic(t.creditorBic) : null;
  const tx = pmtInf.ele('CdtTrfTxInf');
  tx.ele('PmtId').ele('EndToEndId').txt(sepaId(t.endToEndId));
  tx.ele('Amt').ele('InstdAmt', { Ccy: 'EUR' }).txt(formatMajor(t.amountMinor, 'EUR'));
  if (bic !== null && isValidBic(bic)) agent(tx, 'CdtrAgt', bic);
  tx.ele('Cdtr').ele('Nm').txt(sepaText(t.creditorName, 70));
  tx.ele('CdtrAcct').ele('Id').ele('IBAN').txt(iban);
  tx.ele('RmtInf').ele('Ustrd').txt(sepaText(t.remittance, 140));
}

/**
 * A pain.001.001.03 SEPA credit transfer document (one PmtInf, EUR, SLEV) as UTF-8 XML text.
 * Throws `invalid` when the debtor is not configured or there is nothing to transfer.
 */
export function buildPain001(input: Pain001Input): string {
  const debtor = requireSepaDebtor(input.debtor);
  if (input.transfers.length === 0) throw invalid('a SEPA file needs at least one transfer');
  const msgId = sepaId(input.messageId);
  const count = String(input.transfers.length);
  const sum = formatMajor(
    input.transfers.reduce((acc, t) => acc + t.amountMinor, 0n),
    'EUR',
  );
  const doc = create({ version: '1.0', encoding: 'UTF-8' }).ele(NAMESPACE, 'Document');
  const root = doc.ele('CstmrCdtTrfInitn');
  const hdr = root.ele('GrpHdr');
  hdr.ele('MsgId').txt(msgId);
  // Whole seconds, UTC: several banks reject fractional seconds.
  hdr.ele('CreDtTm').txt(`${input.createdAt.toISOString().slice(0, 19)}Z`);
  hdr.ele('NbOfTxs').txt(count);
  hdr.ele('CtrlSum').txt(sum);
  hdr.ele('InitgPty').ele('Nm').txt(debtor.name);
  const pmt = root.ele('PmtInf');
  pmt.ele('PmtInfId').txt(msgId);
  pmt.ele('PmtMtd').txt('TRF');
  pmt.ele('BtchBookg').txt(input.batchBooking === false ? 'false' : 'true');
  pmt.ele('NbOfTxs').txt(count);
  pmt.ele('CtrlSum').txt(sum);
  pmt.ele('PmtTpInf').ele('SvcLvl').ele('Cd').txt('SEPA');
  pmt.ele('ReqdExctnDt').txt(isoDate(input.executionDate ?? input.createdAt));
  pmt.ele('Dbtr').ele('Nm').txt(debtor.name);
  pmt.ele('DbtrAcct').ele('Id').ele('IBAN').txt(debtor.iban);
  agent(pmt, 'DbtrAgt', debtor.bic);
  pmt.ele('ChrgBr').txt('SLEV');
  for (const t of input.transfers) transferXml(pmt, t);
  return doc.end({ prettyPrint: true });
}

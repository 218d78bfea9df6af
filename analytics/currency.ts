/**
 * Currency symbols, for the few currencies written with one; others are written by code.
 * @module
 */

/** Symbol by ISO 4217 code. */
export const CURRENCY_SYMBOLS: Readonly<Record<string, string>> = { USD: "$", EUR: "€", GBP: "£", JPY: "¥", INR: "₹" };

// The three vega-util functions vega-interpreter imports, taken from the Vega build on the page.
const v = globalThis.vega;
export const ascending = v.ascending;
export const isString = v.isString;
export const DisallowedObjectProperties = v.DisallowedObjectProperties;

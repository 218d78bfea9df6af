/**
 * The API's version, shown in the OpenAPI document and the MCP server's handshake.
 * @module
 */

/** Version of the API. */
export const API_VERSION = "0.1.0";

// Product version and the token used in Server and Via headers.
export const VERSION = '0.1.0'
export const SERVER_TOKEN = `tollgate/${VERSION}`
export const VIA_TOKEN = `1.1 ${SERVER_TOKEN}`

// Which client sends upstream requests. The H1 client (h1-pool.ts) takes http:// upstreams with
// a buffered or empty body, undici the rest (https, streamed bodies, HEAD, headers undici handles
// itself). TOLLGATE_UPSTREAM_CLIENT=undici sends everything through undici (read once per thread,
// at start): a way back if an upstream ever behaves differently with the new client.
export const H1_CLIENT: boolean = process.env.TOLLGATE_UPSTREAM_CLIENT !== 'undici'

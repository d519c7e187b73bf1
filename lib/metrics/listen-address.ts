/** The host `--metrics PORT` listens on: loopback, so a run's figures are not served to the network unless asked for by name. */
export const DEFAULT_METRICS_HOST = '127.0.0.1';

export interface ListenAddress {
  host: string;
  port: number;
}

/** `HOST:PORT`, `PORT` or `:PORT` (host 127.0.0.1), `[::1]:PORT`; undefined when the text is none of these. Port 0 is any free port. */
export function parseListen(text: string): ListenAddress | undefined {
  const m = /^(?:(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):|:)?(\d{1,5})$/.exec(text.trim());
  if (!m) return undefined;
  const port = Number(m[3]);
  if (port > 65535) return undefined;
  return { host: m[1] ?? (m[2] || DEFAULT_METRICS_HOST), port };
}

/** An OTLP/HTTP endpoint: an http(s) URL; undefined when the text is not one. */
export function parseOtlpUrl(text: string): string | undefined {
  try {
    const u = new URL(text);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : undefined;
  } catch {
    return undefined;
  }
}
